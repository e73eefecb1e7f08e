import { storeUnavailable } from '../redis/errors.ts'
import type { RedisLayer } from '../redis/layer.ts'
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

/** `<prefix>rv:<session key>`: a string whose lifetime is the lock. Losing one in a failover costs one extra refresh. */
export function createRedisRevalidationLocks(options: { redis: RedisLayer }): RevalidationLocks {
  const { redis } = options
  const lockKey = (key: SessionKey) => redis.keys.key('revalidationLock', key)
  const guard = <T>(operation: string, body: () => Promise<T>): Promise<T> =>
    redis.run(operation, body).catch((error: unknown) => {
      throw storeUnavailable(error, operation)
    })
  return {
    acquire: (key, leaseMs) =>
      guard('revalidation lock', async () => {
        const set = await redis.commands.set(lockKey(key), '1', 'PX', Math.ceil(leaseMs), 'NX')
        return set === 'OK'
      }),
    hold: (key, ms) =>
      guard('revalidation lock', async () => {
        await redis.commands.set(lockKey(key), '1', 'PX', Math.max(1, Math.ceil(ms)))
      }),
  }
}
