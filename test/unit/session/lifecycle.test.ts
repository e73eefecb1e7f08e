import { describe, expect, it } from 'vitest'
import { deriveKeyring } from '../../../src/crypto/keyring.ts'
import { seal } from '../../../src/crypto/seal.ts'
import { GateError } from '../../../src/errors.ts'
import type { RefreshOutcome } from '../../../src/identity/refresh-grant.ts'
import { createLogger } from '../../../src/observability/logger.ts'
import { createMetrics } from '../../../src/observability/metrics.ts'
import { createMemorySessionStore } from '../../../src/session/memory-store.ts'
import { createRevalidation } from '../../../src/session/revalidation.ts'
import { createMemoryRevalidationLocks } from '../../../src/session/revalidation-lock.ts'
import { createSessions, type SessionTokens } from '../../../src/session/sessions.ts'
import { createTokenReaper } from '../../../src/session/token-reaper.ts'
import { createMemoryTokenReaperStore } from '../../../src/session/token-reaper-store.ts'

const INTERVAL = 60_000

const secrets = ['s'.repeat(40)]

/** The real sessions, reaper and revalidation on in-memory stores and a settable clock; the provider is a function. */
function world(
  provider: {
    refresh?: (tokens: SessionTokens) => Promise<RefreshOutcome>
    destroy?: (tokens: SessionTokens) => Promise<boolean>
  } = {},
) {
  const clock = { now: Date.parse('2030-01-01T00:00:00Z') }
  const now = () => clock.now
  const store = createMemorySessionStore({ clock: now })
  const metrics = createMetrics({ defaultMetrics: false })
  const logger = createLogger({ level: 'silent' })
  const sealKeys = deriveKeyring(secrets, 'token-seal')
  const cookieKeys = deriveKeyring(secrets, 'session-cookie')
  const destroyed: SessionTokens[] = []
  const refreshed: SessionTokens[] = []
  const reaperStore = createMemoryTokenReaperStore()
  const reaper = createTokenReaper({
    store: reaperStore,
    sessions: store,
    sealKeys: () => sealKeys,
    destroy:
      provider.destroy ??
      (async (tokens) => {
        destroyed.push(tokens)
        return true
      }),
    idleTtlMs: 3_600_000,
    clock: now,
    metrics,
    logger,
  })
  const sessions = createSessions({
    store,
    cookieKeys: () => cookieKeys,
    sealKeys: () => sealKeys,
    metrics,
    clock: now,
    absoluteTtlMs: 7 * 86_400_000,
    idleTtlMs: 3_600_000,
    cacheTtlMs: 0,
    reaper,
  })
  const revalidation = createRevalidation({
    store,
    sessions,
    locks: createMemoryRevalidationLocks(now),
    reaper,
    refresh:
      provider.refresh ??
      (async (tokens) => {
        refreshed.push(tokens)
        return {
          kind: 'refreshed',
          tokens: { ...tokens, accessToken: `${tokens.accessToken}+` },
          idClaims: undefined,
        }
      }),
    fetchProfile: async () => ({
      kind: 'profile',
      profile: { email: 'new@example.org', metricsEnabled: false },
    }),
    sealKeys: () => sealKeys,
    mapping: { acrAalMap: {}, groupsClaim: 'groups' },
    intervalMs: INTERVAL,
    providerTimeoutMs: 1000,
    clock: now,
    metrics,
    logger,
  })
  async function login(uid = 'u1') {
    const { session } = await sessions.start(
      {
        uid,
        email: 'old@example.org',
        displayName: null,
        locale: null,
        avatar: null,
        subscriptions: [],
        scopes: ['openid', 'profile'],
        aal: 1,
        amr: ['pwd'],
      },
      { accessToken: `at-${uid}`, refreshToken: `rt-${uid}` },
    )
    return session
  }
  const counter = async (name: string, labels: Record<string, string>) => {
    const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name)
    return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0
  }
  return {
    clock,
    store,
    sessions,
    reaper,
    reaperStore,
    revalidation,
    login,
    destroyed,
    refreshed,
    counter,
    sealKeys,
  }
}

describe('session revalidation', () => {
  it('does nothing (no promise, no call) until the interval has passed', async () => {
    const w = world()
    const session = await w.login()
    w.clock.now += INTERVAL - 1
    expect(w.revalidation.due(session)).toBeUndefined()
    expect(w.refreshed).toEqual([])
  })

  it('refreshes once however many requests find it due, re-reads the profile, and waits an interval', async () => {
    const w = world()
    const session = await w.login()
    w.clock.now += INTERVAL
    for (let i = 0; i < 20; i++) expect(w.revalidation.due(session)).toBeUndefined()
    await w.revalidation.settled()
    expect(w.refreshed).toHaveLength(1)
    const record = (await w.store.peek(session.key))!
    expect(record).toMatchObject({ email: 'new@example.org', metricsEnabled: false, checkedAt: w.clock.now })
    expect(await w.sessions.openTokens(record)).toMatchObject({
      accessToken: 'at-u1+',
      refreshToken: 'rt-u1',
    })
    // The stale copy a request still holds does not start another refresh.
    expect(w.revalidation.due(session)).toBeUndefined()
    await w.revalidation.settled()
    expect(w.refreshed).toHaveLength(1)
  })

  it('waits for the check of a session idle for two intervals, and gets null when it ended', async () => {
    const w = world({ refresh: async () => ({ kind: 'refused', detail: '400 errno 108' }) })
    const session = await w.login()
    w.clock.now += 2 * INTERVAL
    const check = w.revalidation.due(session)
    expect(check).toBeInstanceOf(Promise)
    expect(await check).toBeNull()
    expect(await w.store.peek(session.key)).toBeNull()
    expect(await w.counter('fxa_gate_sessions_ended_total', { reason: 'refresh_refused' })).toBe(1)
  })

  it('keeps a session through an outage, backs off, and counts each failure', async () => {
    let calls = 0
    const w = world({
      refresh: async () => {
        calls += 1
        throw new GateError('PROVIDER_UNAVAILABLE', { detail: 'token 503' })
      },
    })
    const session = await w.login()
    w.clock.now += INTERVAL
    w.revalidation.due(session)
    await w.revalidation.settled()
    expect(calls).toBe(1)
    expect((await w.store.peek(session.key))?.refreshFailures).toBe(1)
    // Within the back-off (about a second) nothing is tried again.
    w.clock.now += 500
    w.revalidation.due({ key: session.key, record: (await w.store.peek(session.key))! })
    await w.revalidation.settled()
    expect(calls).toBe(1)
    w.clock.now += 1000
    w.revalidation.due({ key: session.key, record: (await w.store.peek(session.key))! })
    await w.revalidation.settled()
    expect(calls).toBe(2)
    expect(await w.counter('fxa_gate_session_refresh_failures_total', { reason: 'unavailable' })).toBe(2)
    expect(await w.store.peek(session.key)).not.toBeNull()
  })

  it('never lets an older writer put back tokens a refresh replaced', async () => {
    const w = world()
    const session = await w.login()
    const before = (await w.store.peek(session.key))!
    w.clock.now += INTERVAL
    w.revalidation.due(session)
    await w.revalidation.settled()
    // A profile-change handler that read the record before the refresh.
    expect(
      await w.store.update(session.key, { ...before, displayName: 'late' }, { tokens: before.tokens }),
    ).toBe(false)
    expect(await w.sessions.openTokens((await w.store.peek(session.key))!)).toMatchObject({
      accessToken: 'at-u1+',
    })
  })
})

describe('the token reaper', () => {
  it('destroys the tokens of an ended session, and only once', async () => {
    const w = world()
    const session = await w.login()
    await w.sessions.end(session.key)
    await w.reaper.sweep()
    await w.reaper.sweep()
    expect(w.destroyed).toEqual([{ accessToken: 'at-u1', refreshToken: 'rt-u1' }])
  })

  it('destroys the tokens of a session that expired without anyone noticing, and leaves live ones', async () => {
    const w = world()
    const idle = await w.login('idle')
    await w.login('busy')
    w.clock.now += 3_000_000
    await w.store.get((await w.store.listByUser('busy'))[0]!, 3_600_000)
    w.clock.now += 600_000 + 1500 // past the idle lifetime of the unused one, and the reaper's margin
    await w.reaper.sweep()
    expect(await w.store.peek(idle.key)).toBeNull()
    expect(w.destroyed.map((tokens) => tokens.accessToken)).toEqual(['at-idle'])
  })

  it('destroys the newest tokens a refresh stored', async () => {
    const w = world()
    const session = await w.login()
    w.clock.now += INTERVAL
    w.revalidation.due(session)
    await w.revalidation.settled()
    await w.sessions.end(session.key)
    await w.reaper.sweep()
    expect(w.destroyed.map((tokens) => tokens.accessToken)).toEqual(['at-u1+'])
  })

  it('retries a failed destruction with back-off, then gives up after hours of failures', async () => {
    let attempts = 0
    const w = world({
      destroy: async () => {
        attempts += 1
        return false
      },
    })
    const session = await w.login()
    await w.sessions.end(session.key)
    await w.reaper.sweep()
    expect(attempts).toBe(1)
    await w.reaper.sweep()
    expect(attempts).toBe(1) // not due yet
    for (let i = 0; i < 40; i++) {
      w.clock.now += 3_600_000
      await w.reaper.sweep()
    }
    expect(attempts).toBe(16)
    expect(await w.counter('fxa_gate_token_destructions_total', { outcome: 'abandoned' })).toBe(1)
  })

  it('forgets tokens sealed with a key that is gone, without calling the provider', async () => {
    const w = world()
    const session = await w.login()
    const foreign = await seal(deriveKeyring(['x'.repeat(40)], 'token-seal'), { accessToken: 'x' })
    await w.reaperStore.retoken(session.key, foreign)
    await w.sessions.end(session.key)
    await w.reaper.sweep()
    expect(w.destroyed).toEqual([])
    expect(await w.reaperStore.claim(w.clock.now + 10 * 86_400_000, 10, 1000)).toEqual([])
  })
})
