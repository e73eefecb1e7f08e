import { describe, expect, it } from 'vitest'
import { GateError } from '../../../src/errors.ts'
import { refreshProfiles } from '../../../src/events/refresh-profiles.ts'
import type { ProfileFetcher } from '../../../src/identity/profile-api.ts'
import { memoryWorld } from './fixtures.ts'

function setUp(fetchProfile: ProfileFetcher) {
  const world = memoryWorld()
  const calls: string[] = []
  const deps = {
    store: world.store,
    sessions: world.sessions,
    clock: world.now,
    logger: world.logger,
    fetchProfile: async (token: string, uid: string) => {
      calls.push(token)
      return fetchProfile(token, uid)
    },
  }
  return { world, calls, refresh: (uid: string, fields = {}) => refreshProfiles(deps, uid, fields) }
}

describe('profile-change', () => {
  it("refetches each session's profile with its own token and keeps what login did not take from the profile", async () => {
    const { world, calls, refresh } = setUp(async (_token, uid) => ({
      kind: 'profile',
      profile: {
        uid,
        email: 'new@example.org',
        displayName: 'Ann',
        locale: 'de',
        avatar: 'https://a.test/1',
        subscriptions: ['pro'],
      },
    }))
    const key = await world.login('u1', {
      fields: { aal: 2, amr: ['pwd', 'otp'], scopes: ['openid', 'profile', 'x'] },
    })
    expect(await refresh('u1')).toBe(1)
    expect(calls).toEqual(['at-u1'])
    expect(await world.store.peek(key)).toMatchObject({
      uid: 'u1',
      email: 'new@example.org',
      displayName: 'Ann',
      locale: 'de',
      avatar: 'https://a.test/1',
      subscriptions: ['pro'],
      aal: 2,
      amr: ['pwd', 'otp'],
      scopes: ['openid', 'profile', 'x'],
    })
  })

  it('does not extend the idle lifetime of the sessions it updates', async () => {
    const { world, refresh } = setUp(async (_t, uid) => ({
      kind: 'profile',
      profile: { uid, email: 'x@example.org' },
    }))
    const key = await world.login('u1')
    world.clock.now += 86_400_000 - 1000
    await refresh('u1')
    world.clock.now += 2000
    expect(await world.store.peek(key)).toBeNull()
  })

  it("applies the event's own fields when the token may no longer read the profile", async () => {
    const { world, refresh } = setUp(async () => ({ kind: 'refused' }))
    const key = await world.login('u1')
    await refresh('u1', { email: 'from-event@example.org' })
    expect((await world.store.peek(key))?.email).toBe('from-event@example.org')
  })

  it("does not call FxA with an expired access token, and falls back to the event's fields", async () => {
    const { world, calls, refresh } = setUp(async () => {
      throw new Error('must not be called')
    })
    const key = await world.login('u1', { tokens: { accessTokenExpiresAt: world.now() - 1 } })
    await refresh('u1', { locale: 'it' })
    expect(calls).toEqual([])
    expect((await world.store.peek(key))?.locale).toBe('it')
  })

  it('fails (FxA redelivers) when FxA is down and the event carries nothing to apply', async () => {
    const { world, refresh } = setUp(async () => {
      throw new GateError('PROVIDER_UNAVAILABLE')
    })
    const key = await world.login('u1')
    await expect(refresh('u1')).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' })
    expect((await world.store.peek(key))?.email).toBe('u1@example.org')
    await refresh('u1', { email: 'fallback@example.org' })
    expect((await world.store.peek(key))?.email).toBe('fallback@example.org')
  })

  it('refuses a profile of another user, keeping the session as it was', async () => {
    const { world, refresh } = setUp(async () => {
      throw new GateError('PROVIDER_ERROR', { detail: 'profile of another user' })
    })
    const key = await world.login('u1')
    await refresh('u1')
    expect((await world.store.peek(key))?.email).toBe('u1@example.org')
  })

  it('ends a session whose profile is now over its caps through the sessions, so that its tokens are destroyed', async () => {
    const { world, refresh } = setUp(async (_token, uid) => ({
      kind: 'profile',
      profile: { uid, email: 'u1@example.org', displayName: 'x'.repeat(300) },
    }))
    const key = await world.login('u1')
    expect(await refresh('u1')).toBe(0)
    expect(await world.store.peek(key)).toBeNull()
    // Sessions.end, not a bare store delete: the token reaper hears of it (and the metric counts it).
    expect(await world.counter('fxa_gate_sessions_ended_total', { reason: 'revoked' })).toBe(1)
  })

  it('does nothing for a user without sessions', async () => {
    const { calls, refresh } = setUp(async () => ({ kind: 'refused' }))
    expect(await refresh('nobody', { email: 'x@example.org' })).toBe(0)
    expect(calls).toEqual([])
  })
})
