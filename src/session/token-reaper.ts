import type { Keyring } from '../crypto/keyring.ts'
import { unseal } from '../crypto/seal.ts'
import type { GateError } from '../errors.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import type { SessionTokens } from './sessions.ts'
import type { TokenReaperStore } from './token-reaper-store.ts'
import type { SessionKey, SessionRecord, SessionStore } from './types.ts'

/**
 * Destroys a session's provider tokens whenever the session ends — logout, replacement by a new
 * login, revocation, account events, a refused refresh, and idle or absolute expiry, which nothing
 * announces. Every session's sealed tokens are tracked apart from it; a sweep (in every replica,
 * each entry leased to one) looks at entries when they are due: a session that still exists is
 * looked at again when it could next expire, one that is gone has its tokens destroyed. Ending a
 * session explicitly only makes its entry due now. Never blocks a request; failures are retried
 * with back-off.
 */
export interface TokenReaper {
  /** Tracks a new session's tokens. */
  track(key: SessionKey, record: SessionRecord): Promise<void>
  /** A refresh changed the session's tokens. */
  retoken(key: SessionKey, sealedTokens: string): Promise<void>
  /** These sessions ended: destroy their tokens soon (in the background). */
  ended(keys: readonly SessionKey[]): void
  /** Looks at every due entry once; resolves to how many sessions' tokens were destroyed. */
  sweep(): Promise<number>
  /** Sweeps every `everyMs` until the returned stop function is called. */
  start(everyMs: number): () => void
}

export interface TokenReaperDeps {
  readonly store: TokenReaperStore
  /** The sessions themselves: to tell an ended session from a live one. */
  readonly sessions: Pick<SessionStore, 'peek'>
  /** The token-sealing keys now (cookie secrets rotate at run time). */
  readonly sealKeys: () => Keyring
  readonly destroy: (tokens: SessionTokens) => Promise<boolean>
  readonly idleTtlMs: number
  readonly clock: () => number
  readonly metrics: Metrics
  readonly logger: Logger
}

const BATCH = 50
/** A replica that dies mid-destruction leaves its entries to another after this long. */
const LEASE_MS = 60_000
/** After this many failed attempts (hours of back-off in all) the tokens are given up on. */
const MAX_ATTEMPTS = 16
const MARGIN_MS = 1000

export function createTokenReaper(deps: TokenReaperDeps): TokenReaper {
  const { store, clock, logger } = deps
  const outcome = (name: string) => deps.metrics.tokenDestructions.labels(name)
  const counted = {
    destroyed: outcome('destroyed'),
    failed: outcome('failed'),
    abandoned: outcome('abandoned'),
  }
  let sweeping: Promise<number> | undefined
  let again = false
  // Only a serving replica sweeps; a CLI run just marks what it ended as due.
  let started = false

  /** When a live session could end next: its idle deadline if unused, never past its absolute one. */
  const nextLook = (record: SessionRecord, now: number) =>
    Math.min(now + deps.idleTtlMs, record.expiresAt) + MARGIN_MS

  const backoff = (attempts: number) => Math.min(3_600_000, 1000 * 2 ** attempts)

  async function reap(key: SessionKey, sealed: string, attempts: number, now: number): Promise<boolean> {
    const record = await deps.sessions.peek(key)
    if (record !== null) {
      await store.reschedule(key, nextLook(record, now), false)
      return false
    }
    const tokens = (await unseal(deps.sealKeys(), sealed)) as SessionTokens | undefined
    // Sealed with a key that has been rotated away: nothing can be done with them.
    if (tokens === undefined || (await deps.destroy(tokens))) {
      await store.forget(key)
      if (tokens !== undefined) counted.destroyed.inc()
      return tokens !== undefined
    }
    counted.failed.inc()
    if (attempts + 1 >= MAX_ATTEMPTS) {
      logger.error({ attempts: attempts + 1 }, 'gave up destroying the provider tokens of an ended session')
      counted.abandoned.inc()
      await store.forget(key)
      return false
    }
    await store.reschedule(key, now + backoff(attempts), true)
    // The periodic sweep may be far off: come back when this one is due.
    if (started) setTimeout(() => void sweep(), backoff(attempts) + 10).unref()
    return false
  }

  async function sweepOnce(): Promise<number> {
    let destroyed = 0
    for (;;) {
      const now = clock()
      const due = await store.claim(now, BATCH, LEASE_MS)
      const results = await Promise.all(
        due.map((entry) =>
          reap(entry.key, entry.tokens, entry.attempts, now).catch((error: GateError) => {
            logger.warn({ code: error.code }, 'could not look at an ended session’s tokens')
            return false
          }),
        ),
      )
      destroyed += results.filter(Boolean).length
      if (due.length < BATCH) return destroyed
    }
  }

  function sweep(): Promise<number> {
    if (sweeping !== undefined) {
      again = true
      return sweeping
    }
    sweeping = sweepOnce()
      .catch((error: GateError) => {
        logger.warn({ code: error.code }, 'token sweep failed; retrying at the next one')
        return 0
      })
      .finally(() => {
        sweeping = undefined
        if (again) {
          again = false
          void sweep()
        }
      })
    return sweeping
  }

  return {
    async track(key, record) {
      await store.track(key, record.tokens, nextLook(record, clock()))
    },
    retoken: (key, sealedTokens) => store.retoken(key, sealedTokens),
    ended(keys) {
      if (keys.length === 0) return
      store.due(keys, clock()).then(
        () => {
          if (started) void sweep()
        },
        (error: GateError) =>
          logger.warn({ code: error.code }, 'could not schedule token destruction; the sweep will find them'),
      )
    },
    sweep,
    start(everyMs) {
      started = true
      const timer = setInterval(() => void sweep(), everyMs)
      timer.unref()
      void sweep()
      return () => {
        started = false
        clearInterval(timer)
      }
    },
  }
}
