import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { deriveKeyring } from '../../../src/crypto/keyring.ts'
import { createMetrics } from '../../../src/observability/metrics.ts'
import { createMemorySessionStore } from '../../../src/session/memory-store.ts'
import { createSessions } from '../../../src/session/sessions.ts'
import type { SessionStore } from '../../../src/session/types.ts'

const CACHE_TTL_MS = 40

/** The real memory store, with reads counted and held until `release()`. */
function heldStore() {
  const inner = createMemorySessionStore()
  let reads = 0
  let hold: Promise<void> | undefined
  let release = () => {}
  const store: SessionStore = {
    ...inner,
    async get(key, idleMs) {
      reads++
      if (hold) await hold
      return inner.get(key, idleMs)
    },
  }
  return {
    store,
    reads: () => reads,
    holdReads() {
      hold = new Promise((resolve) => (release = resolve))
    },
    release: () => release(),
  }
}

function world() {
  const held = heldStore()
  const secrets = ['s'.repeat(40)]
  const cookieKeys = deriveKeyring(secrets, 'session-cookie')
  const sealKeys = deriveKeyring(secrets, 'token-seal')
  const sessions = createSessions({
    store: held.store,
    cookieKeys: () => cookieKeys,
    sealKeys: () => sealKeys,
    metrics: createMetrics({ defaultMetrics: false }),
    clock: Date.now,
    absoluteTtlMs: 86_400_000,
    idleTtlMs: 3_600_000,
    cacheTtlMs: CACHE_TTL_MS,
  })
  const fields = {
    uid: 'u1',
    email: 'u1@example.org',
    displayName: null,
    locale: null,
    avatar: null,
    subscriptions: [],
    scopes: ['openid'],
    aal: 1,
    amr: ['pwd'],
  }
  return { held, sessions, start: () => sessions.start(fields, { accessToken: 'at' }) }
}

describe('session reads when a cached entry expires', () => {
  // Issue #17: when the local cache entry of a busy session expires, every request in flight for it
  // read the store (20 reads here before the single flight was wired into sessions.resolve).
  it('reads the store once for many concurrent requests of one session', async () => {
    const { held, sessions, start } = world()
    const { cookieValue } = await start()
    expect(await sessions.resolve(cookieValue)).not.toBeNull()
    await sleep(CACHE_TTL_MS * 2)
    const before = held.reads()
    held.holdReads()
    const pending = Array.from({ length: 20 }, () => sessions.resolve(cookieValue))
    held.release()
    const results = await Promise.all(pending)
    expect(results.every((session) => session?.record.uid === 'u1')).toBe(true)
    expect(held.reads() - before).toBe(1)
    sessions.close()
  })

  // Must keep holding once reads are shared: a read begun before a logout is not handed to a
  // request that arrives after the logout.
  it('does not hand a read begun before a logout to a request that arrives after it', async () => {
    const { held, sessions, start } = world()
    const { cookieValue, session } = await start()
    held.holdReads()
    const early = sessions.resolve(cookieValue)
    await sleep(5)
    held.release()
    await sessions.end(session.key)
    const late = await sessions.resolve(cookieValue)
    await early
    expect(late).toBeNull()
    sessions.close()
  })
})
