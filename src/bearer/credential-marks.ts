import type { Cluster, Redis } from 'ioredis'
import { LRUCache } from 'lru-cache'
import { GateError } from '../errors.ts'
import { redisKeys } from '../session/keys.ts'

/**
 * Per-user credential high-water marks (Tokenserver's `generation`): the time of the user's last
 * password change (or account deletion, or operator revocation). A credential issued before it is
 * refused even while the provider still calls it active — FxA keeps a confidential client's tokens
 * alive through a password change. Shared by every replica.
 */
export interface CredentialMarkStore {
  /** Raises the mark to `at` (ms); it never goes back. */
  raise(uid: string, at: number): Promise<void>
  /** The mark (ms), or 0 when there is none. */
  read(uid: string): Promise<number>
}

/**
 * A mark is kept as long as a credential issued before it could still be presented as active: FxA
 * access tokens live at most two weeks.
 */
export const MARK_TTL_MS = 31 * 24 * 60 * 60 * 1000

export function createMemoryCredentialMarkStore(clock: () => number = Date.now): CredentialMarkStore {
  const marks = new LRUCache<string, number>({ max: 100_000, ttl: MARK_TTL_MS, perf: { now: clock } })
  return {
    async raise(uid, at) {
      marks.set(uid, Math.max(marks.get(uid) ?? 0, at))
    },
    async read(uid) {
      return marks.get(uid) ?? 0
    },
  }
}

// KEYS: mark. ARGV: at, ttlMs. Keeps the greater of the stored and the given time.
const RAISE = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`

export function createRedisCredentialMarkStore(options: {
  redis: Redis | Cluster
  keyPrefix: string
}): CredentialMarkStore {
  const { redis } = options
  const keys = redisKeys(options.keyPrefix)
  redis.defineCommand('fxaGateMarkRaise', { numberOfKeys: 1, lua: RAISE })
  const raise = (redis as unknown as { fxaGateMarkRaise: (...args: string[]) => Promise<unknown> })
    .fxaGateMarkRaise
  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run()
    } catch (error) {
      throw new GateError('STORE_UNAVAILABLE', { cause: error, detail: 'credential marks' })
    }
  }
  return {
    raise: (uid, at) =>
      guard(async () => {
        await raise.call(redis, keys.credentialMark(uid), String(Math.floor(at)), String(MARK_TTL_MS))
      }),
    read: (uid) =>
      guard(async () => {
        const value = Number(await redis.get(keys.credentialMark(uid)))
        return Number.isFinite(value) && value > 0 ? value : 0
      }),
  }
}

/** The marks as a bearer check reads them: from a one-second local cache, dropped when a user is revoked. */
export interface CredentialMarks {
  /** The user's mark, from the local cache when it can (no Redis round trip). */
  of(uid: string): number | Promise<number>
  /** Raises the mark everywhere. */
  raise(uid: string, at: number): Promise<void>
  /** A replica heard that the user was revoked: read the mark again. */
  forget(uid: string): void
}

export function createCredentialMarks(store: CredentialMarkStore, clock: () => number): CredentialMarks {
  // One second: even a missed invalidation cannot keep an old mark longer.
  const cache = new LRUCache<string, number>({ max: 100_000, ttl: 1000, perf: { now: clock } })
  return {
    of(uid) {
      const known = cache.get(uid)
      if (known !== undefined) return known
      return store.read(uid).then((mark) => {
        cache.set(uid, mark)
        return mark
      })
    },
    async raise(uid, at) {
      await store.raise(uid, at)
      cache.delete(uid)
    },
    forget: (uid) => void cache.delete(uid),
  }
}
