import { describe, expect, it } from 'vitest'
import { GateError } from '../../../src/errors.ts'
import { EVENT_URI_BASE } from '../../../src/events/account-event.ts'
import { createEventReceiver } from '../../../src/events/receiver.ts'
import { SetRejected, type VerifiedSet } from '../../../src/events/verify-set.ts'
import type { ProfileFetcher } from '../../../src/identity/profile-api.ts'
import { createRevocation } from '../../../src/revocation/revocation.ts'
import { memoryWorld } from './fixtures.ts'

const uri = (name: string) => `${EVENT_URI_BASE}${name}`

function receiverIn(world = memoryWorld(), options: { fetchProfile?: ProfileFetcher } = {}) {
  const revoked: string[] = []
  const accounts = createRevocation({
    sessions: world.store,
    tokens: world.tokens,
    eventState: world.eventState,
    logger: world.logger,
    metrics: world.metrics,
  })
  accounts.onUserRevoked((uid) => {
    revoked.push(uid)
  })
  const sets = new Map<string, VerifiedSet>()
  const receive = createEventReceiver({
    // The header names a prepared SET; anything else is refused, as verification would.
    verify: async (authorization) => {
      const set = sets.get(String(authorization))
      if (!set) throw new SetRejected('signature')
      return set
    },
    eventState: world.eventState,
    revocation: accounts,
    store: world.store,
    profiles: {
      sessions: world.sessions,
      fetchProfile: options.fetchProfile ?? (async () => ({ kind: 'refused' })),
      clock: world.now,
      logger: world.logger,
    },
    metrics: world.metrics,
    logger: world.logger,
    rememberMs: 86_400_000,
    stateTtlMs: 7 * 86_400_000,
  })
  let n = 0
  const deliver = (sub: string, events: Record<string, unknown>, jti = `jti-${++n}`) => {
    const header = `Bearer set-${jti}`
    sets.set(header, { sub, jti, iat: world.now() / 1000, events })
    return receive(header)
  }
  return { world, receive, deliver, revoked, accounts }
}

describe('receiving account events', () => {
  it('ends the sessions that began before a password change, and drops the user from caches', async () => {
    const { world, deliver, revoked } = receiverIn()
    const before = await world.login('u1', { at: world.now() - 60_000 })
    const after = await world.login('u1', { at: world.now() + 1 })
    const other = await world.login('u2', { at: world.now() - 60_000 })
    expect(await deliver('u1', { [uri('password-change')]: { changeTime: world.now() } })).toEqual({
      kind: 'processed',
      events: 1,
    })
    expect(await world.store.peek(before)).toBeNull()
    expect(await world.store.peek(after)).not.toBeNull()
    expect(await world.store.peek(other)).not.toBeNull()
    expect(revoked).toEqual(['u1'])
    expect(
      await world.counter('fxa_gate_account_events_total', { event: 'password-change', outcome: 'applied' }),
    ).toBe(1)
  })

  it('takes a changeTime in seconds as seconds', async () => {
    const { world, deliver } = receiverIn()
    const before = await world.login('u1', { at: world.now() - 60_000 })
    await deliver('u1', { [uri('password-change')]: { changeTime: Math.floor(world.now() / 1000) } })
    expect(await world.store.peek(before)).toBeNull()
  })

  it('changes nothing on a replayed jti, and says so', async () => {
    const { world, deliver } = receiverIn()
    await deliver('u1', { [uri('password-change')]: { changeTime: world.now() } }, 'same')
    const later = await world.login('u1', { at: world.now() - 30_000 })
    expect(await deliver('u1', { [uri('password-change')]: { changeTime: world.now() } }, 'same')).toEqual({
      kind: 'replayed',
    })
    expect(await world.store.peek(later)).not.toBeNull()
    expect(await world.counter('fxa_gate_event_tokens_total', { outcome: 'replayed' })).toBe(1)
  })

  it('answers EVENT_IN_PROGRESS while another delivery holds the event', async () => {
    const { world, deliver } = receiverIn()
    await world.eventState.claim(
      (await import('node:crypto')).createHash('sha256').update('held').digest('base64url'),
      60_000,
    )
    const error = await deliver('u1', { [uri('delete-user')]: {} }, 'held').catch((e: unknown) => e)
    expect((error as GateError).code).toBe('EVENT_IN_PROGRESS')
    expect((error as GateError).retryAfterSeconds).toBeGreaterThan(0)
  })

  it('refuses an invalid token with EVENT_REJECTED and counts why, processing nothing', async () => {
    const { world, receive } = receiverIn()
    const session = await world.login('u1', { at: world.now() - 60_000 })
    const error = await receive('Bearer forged').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GateError)
    expect((error as GateError).code).toBe('EVENT_REJECTED')
    expect((error as GateError).status).toBe(401)
    expect(await world.store.peek(session)).not.toBeNull()
    expect(await world.counter('fxa_gate_event_tokens_total', { outcome: 'rejected_signature' })).toBe(1)
  })

  it('acknowledges and counts unknown and metrics events, and users it never saw', async () => {
    const { world, deliver } = receiverIn()
    const receipt = await deliver('nobody', {
      [uri('brand-new-event')]: {},
      [uri('metrics-opt-out')]: {},
      [uri('password-change')]: { changeTime: world.now() },
      [uri('delete-user')]: {},
    })
    expect(receipt).toEqual({ kind: 'processed', events: 4 })
    expect(
      await world.counter('fxa_gate_account_events_total', { event: 'unknown', outcome: 'ignored' }),
    ).toBe(1)
    expect(
      await world.counter('fxa_gate_account_events_total', { event: 'metrics-opt-out', outcome: 'ignored' }),
    ).toBe(1)
  })

  it('gives the event back when applying it fails, so that the redelivery applies it', async () => {
    const { world, deliver, accounts } = receiverIn()
    const session = await world.login('u1', { at: world.now() - 60_000 })
    let failing = true
    accounts.onUserRevoked(() => {
      if (failing) throw new GateError('STORE_UNAVAILABLE')
    })
    const error = await deliver(
      'u1',
      { [uri('password-change')]: { changeTime: world.now() } },
      'retry-me',
    ).catch((e: unknown) => e)
    expect((error as GateError).code).toBe('STORE_UNAVAILABLE')
    expect(await world.counter('fxa_gate_event_tokens_total', { outcome: 'failed' })).toBe(1)
    failing = false
    expect(
      await deliver('u1', { [uri('password-change')]: { changeTime: world.now() } }, 'retry-me'),
    ).toEqual({ kind: 'processed', events: 1 })
    expect(await world.store.peek(session)).toBeNull()
  })

  it('applies delete-user after the other events of the same SET, leaving no state behind', async () => {
    const { world, deliver } = receiverIn()
    const session = await world.login('u1', { at: world.now() - 60_000 })
    await deliver('u1', {
      [uri('delete-user')]: {},
      [uri('subscription-state-change')]: { capabilities: ['pro'], isActive: true, changeTime: world.now() },
    })
    expect(await world.store.peek(session)).toBeNull()
    expect(await world.store.listByUser('u1')).toEqual([])
    // Forgotten: an older change than the one just applied would otherwise be refused.
    expect(await world.eventState.advance('u1', ['cap:pro'], 1, 1000)).toEqual(['cap:pro'])
  })

  it('refreshes the profile of every live session on profile-change', async () => {
    const fetchProfile: ProfileFetcher = async (token, uid) => ({
      kind: 'profile',
      profile: {
        uid,
        email: `new-${token}@example.org`,
        displayName: 'New',
        locale: 'fr',
        subscriptions: ['x'],
      },
    })
    const { world, deliver } = receiverIn(memoryWorld(), { fetchProfile })
    const a = await world.login('u1')
    const b = await world.login('u1', { tokens: { accessToken: 'second' } })
    await deliver('u1', { [uri('profile-change')]: {} })
    expect((await world.store.peek(a))?.email).toBe('new-at-u1@example.org')
    expect(await world.store.peek(b)).toMatchObject({
      email: 'new-second@example.org',
      displayName: 'New',
      locale: 'fr',
      subscriptions: ['x'],
    })
  })
})
