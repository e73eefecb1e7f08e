import { describe, expect, it } from 'vitest'
import { applySubscriptionChange } from '../../../src/events/apply-subscriptions.ts'
import { memoryWorld } from './fixtures.ts'

function setUp() {
  const world = memoryWorld()
  const apply = (uid: string, capabilities: string[], isActive: boolean, changeTime: number) =>
    applySubscriptionChange(
      { store: world.store, eventState: world.eventState, stateTtlMs: 86_400_000 },
      uid,
      { capabilities, isActive, changeTime },
    )
  const subscriptions = async (key: string) => (await world.store.peek(key))?.subscriptions
  return { world, apply, subscriptions }
}

describe('subscription-state-change', () => {
  it('adds capabilities that became active and removes those that did not, in every session of the user', async () => {
    const { world, apply, subscriptions } = setUp()
    const t = world.now()
    const a = await world.login('u1', { fields: { subscriptions: ['old'] } })
    const b = await world.login('u1')
    const other = await world.login('u2', { fields: { subscriptions: ['old'] } })
    expect(await apply('u1', ['pro', 'vpn'], true, t + 1000)).toBe('applied')
    expect(await subscriptions(a)).toEqual(['old', 'pro', 'vpn'])
    expect(await subscriptions(b)).toEqual(['pro', 'vpn'])
    expect(await apply('u1', ['old', 'vpn'], false, t + 2000)).toBe('applied')
    expect(await subscriptions(a)).toEqual(['pro'])
    expect(await subscriptions(other)).toEqual(['old'])
  })

  it('keeps the newest state when events arrive out of order', async () => {
    const { world, apply, subscriptions } = setUp()
    const t = world.now()
    const key = await world.login('u1')
    expect(await apply('u1', ['pro'], false, t + 3000)).toBe('applied') // cancelled, delivered first
    expect(await apply('u1', ['pro'], true, t + 2000)).toBe('stale') // subscribed earlier, delivered late
    expect(await subscriptions(key)).toEqual([])
    expect(await apply('u1', ['pro'], true, t + 4000)).toBe('applied')
    expect(await apply('u1', ['pro'], false, t + 3500)).toBe('stale')
    expect(await subscriptions(key)).toEqual(['pro'])
  })

  it('orders each capability on its own: a late change of one does not hide a change of another', async () => {
    const { world, apply, subscriptions } = setUp()
    const t = world.now()
    const key = await world.login('u1')
    await apply('u1', ['vpn'], true, t + 2000)
    expect(await apply('u1', ['pro', 'vpn'], true, t + 1000)).toBe('applied') // only pro is news
    expect(await subscriptions(key)).toEqual(['vpn', 'pro'])
    await apply('u1', ['vpn'], false, t + 3000)
    expect(await apply('u1', ['pro', 'vpn'], true, t + 2500)).toBe('applied')
    expect(await subscriptions(key)).toEqual(['pro'])
  })

  it('leaves a session alone whose login came after the change (its profile already had it)', async () => {
    const { world, apply, subscriptions } = setUp()
    const t = world.now()
    const old = await world.login('u1', { at: t - 10 * 60_000 })
    const fresh = await world.login('u1', { at: t, fields: { subscriptions: ['pro'] } })
    expect(await apply('u1', ['pro'], false, t - 5 * 60_000)).toBe('applied')
    expect(await subscriptions(old)).toEqual([])
    expect(await subscriptions(fresh)).toEqual(['pro'])
  })

  it('records nothing for a user without sessions', async () => {
    const { world, apply } = setUp()
    expect(await apply('u1', ['pro'], true, world.now())).toBe('no_sessions')
    expect(await world.eventState.advance('u1', ['cap:pro'], 1, 1000)).toEqual(['cap:pro'])
  })
})
