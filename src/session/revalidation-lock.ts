import type { Cluster, Redis } from 'ioredis'
import { GateError } from '../errors.ts'
import { redisKeys } from './keys.ts'
import type { SessionKey } from './types.ts'

/**
 * Who may refresh a session now, shared by every replica: one refresh per session per interval.
 * The lock's lifetime says when the next attempt may come (a lease while a refresh runs, then the
 * interval after a success, or the back-off after a failure).
 */
export interface RevalidationLocks {
  /** True when this caller may refresh the session now; the lock then lives `leaseMs`. */
  acquire(key: SessionKey, leaseMs: number): Promise<boolean>
  /** Keeps others away for `ms` from now. */
  hold(key: SessionKey, ms: number): Promise<void>
}

export function createMemoryRevalidationLocks(clock: () => number = Date.now): RevalidationLocks {
  const until = new Map<SessionKey, number>()
  return {
    async acquire(key, leaseMs) {
      const now = clock()
      if ((until.get(key) ?? 0) > now) return false
      if (until.size >= 100_000) for (const [k, t] of until) if (t <= now) until.delete(k)
      until.set(key, now + leaseMs)
      return true
    },
    async hold(key, ms) {
      until.set(key, clock() + ms)
    },
  }
}

export function createRedisRevalidationLocks(options: {
  redis: Redis | Cluster
  keyPrefix: string
}): RevalidationLocks {
  const keys = redisKeys(options.keyPrefix)
  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run()
    } catch (error) {
      throw new GateError('STORE_UNAVAILABLE', { cause: error, detail: 'revalidation lock' })
    }
  }
  return {
    acquire: (key, leaseMs) =>
      guard(async () => {
        const set = await options.redis.set(keys.revalidationLock(key), '1', 'PX', Math.ceil(leaseMs), 'NX')
        return set === 'OK'
      }),
    hold: (key, ms) =>
      guard(async () => {
        await options.redis.set(keys.revalidationLock(key), '1', 'PX', Math.max(1, Math.ceil(ms)))
      }),
  }
}
