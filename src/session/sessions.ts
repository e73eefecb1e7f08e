import { LRUCache } from 'lru-cache'
import type { Keyring } from '../crypto/keyring.ts'
import { seal, unseal } from '../crypto/seal.ts'
import { GateError } from '../errors.ts'
import type { Metrics } from '../observability/metrics.ts'
import { createSessionCache } from './cache.ts'
import { createSingleFlight } from './single-flight.ts'
import { issueTicket, newSessionId, readTicket, sessionKey } from './ticket.ts'
import type { TokenReaper } from './token-reaper.ts'
import type { SessionKey, SessionRecord, SessionStore } from './types.ts'

/** The provider's tokens kept with a session, sealed at rest. */
export interface SessionTokens {
  readonly accessToken: string
  readonly refreshToken?: string | undefined
  readonly accessTokenExpiresAt?: number | undefined
}

export type SessionFields = Omit<SessionRecord, 'v' | 'tokens' | 'loginAt' | 'expiresAt'>

export interface LiveSession {
  readonly key: SessionKey
  readonly record: SessionRecord
}

export interface Sessions {
  /** Creates a session under a brand-new id (never one the browser brought: no fixation). */
  start(fields: SessionFields, tokens: SessionTokens): Promise<{ cookieValue: string; session: LiveSession }>
  /** The hot path: cookie value → live session, from the local cache when it can. */
  resolve(cookieValue: string | undefined): Promise<LiveSession | null>
  /**
   * The same from memory alone, without a promise: undefined when only the store can tell (a cache
   * miss); null for no session (an invalid cookie, a session known to be gone).
   */
  resolveNow(cookieValue: string | undefined): LiveSession | null | undefined
  /** The store key a cookie value stands for, when its MAC verifies (whether or not the session lives). */
  keyOf(cookieValue: string | undefined): SessionKey | undefined
  /**
   * Ends a session everywhere, durably; returns its record when it existed. Its provider tokens are
   * destroyed in the background (the token reaper). Throws STORE_UNAVAILABLE or
   * REPLICATION_UNCONFIRMED when that cannot be confirmed: the session may still work, and calling
   * again is safe.
   */
  end(key: SessionKey, reason?: EndReason): Promise<SessionRecord | null>
  openTokens(record: SessionRecord): Promise<SessionTokens | undefined>
  close(): void
}

/** Why a session ended, as the sessions-ended metric says it. */
export type EndReason = 'logout' | 'replaced' | 'refresh_refused' | 'revoked'

export interface SessionsDeps {
  readonly store: SessionStore
  /** The current keyrings: read on every use, so a secret rotation applies at once. */
  readonly cookieKeys: () => Keyring
  readonly sealKeys: () => Keyring
  readonly metrics: Metrics
  readonly clock: () => number
  readonly absoluteTtlMs: number
  readonly idleTtlMs: number
  readonly cacheTtlMs: number
  /** Destroys the provider tokens of sessions that end; none kept when absent (tests). */
  readonly reaper?: Pick<TokenReaper, 'track' | 'ended'> | undefined
}

export function createSessions(deps: SessionsDeps): Sessions {
  const { store, metrics, clock } = deps
  const cache = createSessionCache(store, { ttlMs: deps.cacheTtlMs })
  // A cookie value whose MAC verified once will again while the keyring stays the same: skip the
  // HMAC and the hash on the hot path. Bounded, so random cookies cannot grow it; emptied when the
  // keyring is rotated, so a secret taken out of it stops working.
  const verifiedTickets = new LRUCache<string, SessionKey>({ max: 50_000 })
  let verifiedWith: Keyring | undefined

  function keyOfTicket(cookieValue: string | undefined): SessionKey | undefined {
    if (cookieValue === undefined) return undefined
    const keyring = deps.cookieKeys()
    if (keyring !== verifiedWith) {
      verifiedTickets.clear()
      verifiedWith = keyring
    }
    const known = verifiedTickets.get(cookieValue)
    if (known !== undefined) return known
    const id = readTicket(keyring, cookieValue)
    if (id === undefined) return undefined
    const key = sessionKey(id)
    verifiedTickets.set(cookieValue, key)
    return key
  }

  // Labelled children resolved once: a label lookup per request costs more than the increment.
  const lookups = {
    cacheHit: metrics.sessionLookups.labels('cache_hit'),
    storeHit: metrics.sessionLookups.labels('store_hit'),
    missing: metrics.sessionLookups.labels('missing'),
    invalid: metrics.sessionLookups.labels('invalid_cookie'),
    localHit: metrics.cacheHits.labels('session'),
    localMiss: metrics.cacheMisses.labels('session'),
  }

  // Keyed by the epoch (digits) and the verified session key: `${epoch} ${key}` has one reading.
  const reads = createSingleFlight<string, SessionRecord | null>()
  const flightKey = (epoch: number, key: SessionKey) => `${epoch} ${key}`

  async function guarded<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation()
    } catch (error) {
      metrics.storeErrors.inc()
      throw error instanceof GateError ? error : new GateError('STORE_UNAVAILABLE', { cause: error })
    }
  }

  function resolveNow(cookieValue: string | undefined): LiveSession | null | undefined {
    const key = keyOfTicket(cookieValue)
    if (key === undefined) {
      if (cookieValue !== undefined) lookups.invalid.inc()
      return null
    }
    const cached = cache.get(key, clock())
    if (cached === undefined) return undefined
    lookups.localHit.inc()
    ;(cached ? lookups.cacheHit : lookups.missing).inc()
    return cached ? { key, record: cached } : null
  }

  return {
    async start(fields, tokens) {
      const id = newSessionId()
      const key = sessionKey(id)
      const now = clock()
      const record: SessionRecord = {
        ...fields,
        v: 1,
        loginAt: now,
        expiresAt: now + deps.absoluteTtlMs,
        tokens: await seal(deps.sealKeys(), tokens),
      }
      // Tracked first: a session whose tokens are not tracked would leave them alive at the provider
      // when it expires, while tokens tracked for a session that failed to be stored are destroyed.
      await deps.reaper?.track(key, record)
      await guarded(() => store.create(key, record, deps.idleTtlMs))
      metrics.sessionsCreated.inc()
      return { cookieValue: issueTicket(deps.cookieKeys(), id), session: { key, record } }
    },

    resolveNow,

    async resolve(cookieValue) {
      const known = resolveNow(cookieValue)
      if (known !== undefined) return known
      const key = keyOfTicket(cookieValue)!
      lookups.localMiss.inc()
      const epoch = cache.epoch()
      // Requests for one session share one store read (issue #17), but only within one cache epoch:
      // a read begun before an invalidation is never handed to a request that came after it.
      const record = await reads.run(flightKey(epoch, key), () =>
        guarded(() => store.get(key, deps.idleTtlMs)),
      )
      cache.set(key, record, epoch)
      ;(record ? lookups.storeHit : lookups.missing).inc()
      return record ? { key, record } : null
    },

    keyOf: keyOfTicket,

    async end(key, reason = 'logout') {
      cache.delete(key)
      reads.forget(flightKey(cache.epoch(), key))
      const record = await guarded(() => store.delete(key))
      cache.delete(key)
      reads.forget(flightKey(cache.epoch(), key))
      if (record) metrics.sessionsEnded.inc({ reason })
      deps.reaper?.ended([key])
      return record
    },

    async openTokens(record) {
      return (await unseal(deps.sealKeys(), record.tokens)) as SessionTokens | undefined
    },

    close: () => cache.close(),
  }
}
