import { LRUCache } from 'lru-cache'
import type { Keyring } from '../crypto/keyring.ts'
import { seal } from '../crypto/seal.ts'
import { GateError } from '../errors.ts'
import { identityOverCap } from '../identity/caps.ts'
import { type ClaimMapping, refreshedFields } from '../identity/profile.ts'
import type { ProfileFetcher } from '../identity/profile-api.ts'
import type { RefreshOutcome } from '../identity/refresh-grant.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import type { RevalidationLocks } from './revalidation-lock.ts'
import type { LiveSession, Sessions, SessionTokens } from './sessions.ts'
import type { TokenReaper } from './token-reaper.ts'
import type { SessionKey, SessionRecord, SessionStore } from './types.ts'

/**
 * Sessions follow the account. At most `intervalMs` after its last check a session is checked again
 * with the provider by a refresh grant, which also re-reads the profile; a refused refresh ends the
 * session everywhere (the user disconnected the app, the account is gone). One refresh per session
 * per interval for all replicas (a lock in Redis); an outage keeps sessions serving and is retried
 * with back-off.
 */
export interface Revalidation {
  /**
   * The hot-path hook for a resolved session. Undefined (serve it) unless a check is due, which then
   * runs in the background. Only a session not checked for two intervals (it sat idle) is waited for,
   * at most 2 s (then it is served and the check goes on): the promise gives the session, or null
   * when the check ended it.
   */
  due(session: LiveSession): Promise<LiveSession | null> | undefined
  /**
   * Refreshes now, whatever the interval (a profile-change event whose access token has expired).
   * Resolves to the record as refreshed, null when the session ended, undefined when no refresh was
   * possible now (another replica holds it, or the provider failed).
   */
  refreshNow(key: SessionKey): Promise<SessionRecord | null | undefined>
  /** Resolves once the revalidations running now have finished (shutdown waits for them). */
  settled(): Promise<void>
}

export interface RevalidationDeps {
  readonly store: SessionStore
  readonly sessions: Pick<Sessions, 'end' | 'openTokens'>
  readonly locks: RevalidationLocks
  readonly reaper: Pick<TokenReaper, 'retoken'>
  readonly refresh: (tokens: SessionTokens) => Promise<RefreshOutcome>
  readonly fetchProfile: ProfileFetcher
  /** The token-sealing keys now (cookie secrets rotate at run time). */
  readonly sealKeys: () => Keyring
  readonly mapping: ClaimMapping
  readonly intervalMs: number
  /** Longest wait for the provider; a refresh holds its lock a few times this. */
  readonly providerTimeoutMs: number
  readonly clock: () => number
  readonly metrics: Metrics
  readonly logger: Logger
}

type Outcome = 'refreshed' | 'ended' | 'failed' | 'skipped'

/** The longest a request waits for the check of a long-idle session; a slow provider is not its problem. */
const MAX_WAIT_MS = 2000

export function createRevalidation(deps: RevalidationDeps): Revalidation {
  const { store, locks, clock, metrics, logger, intervalMs } = deps
  const leaseMs = deps.providerTimeoutMs * 3
  const running = new Map<SessionKey, Promise<Outcome>>()
  // When this replica may try a session again (the lock was held elsewhere, or a failure backs off):
  // requests in between cost nothing, not even a Redis round trip.
  const notBefore = new LRUCache<SessionKey, number>({ max: 100_000 })
  const refreshes = {
    refreshed: metrics.sessionRefreshes.labels('refreshed'),
    refused: metrics.sessionRefreshes.labels('refused'),
    checked: metrics.sessionRefreshes.labels('checked'),
  }

  const checkedAt = (record: SessionRecord) => record.checkedAt ?? record.loginAt
  /** 1 s, 2 s, 4 s … after failures in a row, never longer than the interval, with jitter. */
  const backoff = (failures: number) =>
    Math.min(intervalMs, 1000 * 2 ** Math.max(0, failures - 1)) * (0.8 + Math.random() * 0.4)

  async function failed(key: SessionKey, record: SessionRecord, error: unknown): Promise<Outcome> {
    const code = error instanceof GateError ? error.code : 'INTERNAL'
    const reason =
      code === 'PROVIDER_UNAVAILABLE' ? 'unavailable' : code === 'STORE_UNAVAILABLE' ? 'store' : 'error'
    metrics.sessionRefreshFailures.labels(reason).inc()
    const failures = (record.refreshFailures ?? 0) + 1
    // Our own back-off only: an error's retryAfterSeconds is what fxa-gate tells its clients (the
    // code's default when the provider said nothing), in seconds, not the provider's pacing.
    const wait = backoff(failures)
    notBefore.set(key, clock() + wait)
    logger.warn(
      { code, failures, retryInMs: Math.round(wait) },
      'session revalidation failed; the session stays',
    )
    await locks.hold(key, wait).catch(() => undefined)
    await store
      .update(key, { ...record, refreshFailures: failures }, { tokens: record.tokens })
      .catch(() => false)
    return 'failed'
  }

  /** The identity fields from the profile as it is now, or the record's own when it cannot be read. */
  async function profileFor(record: SessionRecord, accessToken: string) {
    try {
      const answer = await deps.fetchProfile(accessToken, record.uid)
      if (answer.kind === 'profile') return refreshedFields(record, record.uid, answer.profile, deps.mapping)
      throw new GateError('PROVIDER_ERROR', { detail: 'profile refused a fresh token' })
    } catch (error) {
      metrics.sessionRefreshFailures.labels('profile').inc()
      logger.warn(
        { code: (error as GateError).code },
        'profile re-read failed; the session keeps its profile',
      )
      return {}
    }
  }

  async function check(key: SessionKey, record: SessionRecord, tokens: SessionTokens): Promise<Outcome> {
    const now = clock()
    let next: SessionRecord
    if (tokens.refreshToken === undefined) {
      // No refresh token (a provider that gave none): the access token, while it lasts, can still ask.
      if (tokens.accessTokenExpiresAt !== undefined && tokens.accessTokenExpiresAt <= now) {
        refreshes.checked.inc()
        next = { ...record, checkedAt: now, refreshFailures: 0 }
      } else {
        const answer = await deps.fetchProfile(tokens.accessToken, record.uid)
        if (answer.kind === 'refused') return end(key, 'profile refused the access token')
        refreshes.checked.inc()
        next = {
          ...record,
          ...refreshedFields(record, record.uid, answer.profile, deps.mapping),
          checkedAt: now,
          refreshFailures: 0,
        }
      }
    } else {
      const outcome = await deps.refresh(tokens)
      if (outcome.kind === 'refused') return end(key, outcome.detail)
      refreshes.refreshed.inc()
      const sealed = await seal(deps.sealKeys(), outcome.tokens)
      // The reaper's copy first: if the session ends before the update lands, these get destroyed.
      await deps.reaper.retoken(key, sealed)
      next = {
        ...record,
        ...(await profileFor(record, outcome.tokens.accessToken)),
        tokens: sealed,
        checkedAt: clock(),
        refreshFailures: 0,
      }
    }
    const overCap = identityOverCap(next)
    if (overCap !== undefined) {
      // As for a profile-change: an identity that can no longer be represented ends the session.
      logger.warn({ code: 'PROFILE_TOO_LARGE', detail: overCap }, 'profile over its caps at revalidation')
      return end(key, 'profile over its caps')
    }
    const stored = await store.update(key, next, { tokens: record.tokens })
    if (!stored) logger.info('session changed or ended during its revalidation')
    await locks.hold(key, intervalMs)
    return stored ? 'refreshed' : 'skipped'
  }

  async function end(key: SessionKey, detail: string): Promise<Outcome> {
    refreshes.refused.inc()
    logger.info({ detail }, 'the provider refused to refresh a session: it ends everywhere')
    await deps.sessions.end(key, 'refresh_refused')
    return 'ended'
  }

  async function revalidate(key: SessionKey, force: boolean): Promise<Outcome> {
    if (!force && (notBefore.get(key) ?? 0) > clock()) return 'skipped'
    if (!(await locks.acquire(key, leaseMs))) {
      notBefore.set(key, clock() + Math.min(intervalMs, 2000))
      return 'skipped'
    }
    const record = await store.peek(key)
    if (record === null) return 'skipped'
    try {
      if (!force && checkedAt(record) + intervalMs > clock()) {
        // Another replica checked it since this one read it.
        await locks.hold(key, checkedAt(record) + intervalMs - clock())
        return 'skipped'
      }
      const tokens = await deps.sessions.openTokens(record)
      if (tokens === undefined) return end(key, 'tokens cannot be opened (cookie secret rotated away)')
      return await check(key, record, tokens)
    } catch (error) {
      return failed(key, record, error)
    }
  }

  function run(key: SessionKey, force: boolean): Promise<Outcome> {
    let pending = running.get(key)
    if (pending === undefined) {
      pending = revalidate(key, force)
        .catch((error: unknown) => {
          // The lock or the first read failed (Redis): nothing was attempted; try again soon.
          metrics.sessionRefreshFailures.labels('store').inc()
          notBefore.set(key, clock() + Math.min(intervalMs, 5000))
          logger.warn({ code: (error as GateError).code }, 'session revalidation could not start')
          return 'failed' as const
        })
        .finally(() => running.delete(key))
      running.set(key, pending)
    }
    return pending
  }

  return {
    due(session) {
      const { key, record } = session
      const now = clock()
      const last = checkedAt(record)
      if (now < last + intervalMs) return undefined
      if ((notBefore.get(key) ?? 0) > now) return undefined
      const pending = run(key, false)
      if (now < last + 2 * intervalMs) return undefined
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<Outcome>((resolve) => {
        timer = setTimeout(() => resolve('skipped'), Math.min(deps.providerTimeoutMs, MAX_WAIT_MS))
      })
      return Promise.race([pending, timeout]).then((outcome) => {
        clearTimeout(timer)
        return outcome === 'ended' ? null : session
      })
    },

    async settled() {
      await Promise.allSettled([...running.values()])
    },

    async refreshNow(key) {
      const outcome = await run(key, true)
      if (outcome === 'ended') return null
      if (outcome !== 'refreshed') return undefined
      return store.peek(key)
    },
  }
}
