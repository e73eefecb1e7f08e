import { storeUnavailable } from '../redis/errors.ts'
import type { LuaScript, RedisLayer } from '../redis/layer.ts'
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

const SCRIPTS = {
  /**
   * KEYS: lock. ARGV: leaseMs, longestMs. Takes the lock when free. A key that is no lock of ours
   * (another type, no expiry, or one longer than any lock lives) is deleted first and reported
   * ({taken, 1}): planted data must never stop a session's revalidation.
   */
  fxaGateLockAcquire: {
    keys: 1,
    lua: `
local bad = 0
local kind = redis.call('TYPE', KEYS[1]).ok
if kind ~= 'none' then
  local ttl = redis.call('PTTL', KEYS[1])
  if kind ~= 'string' or ttl < 0 or ttl > tonumber(ARGV[2]) then redis.call('DEL', KEYS[1]) bad = 1 end
end
if redis.call('SET', KEYS[1], '1', 'PX', ARGV[1], 'NX') then return {1, bad} end
return {0, bad}`,
  },
} as const satisfies Record<string, LuaScript>

/**
 * `<prefix>rv:<session key>`: a string whose lifetime is the lock, never longer than `longestMs`
 * (the revalidation interval, or the lease). Losing one in a failover costs one extra refresh.
 */
export function createRedisRevalidationLocks(options: {
  redis: RedisLayer
  longestMs: number
}): RevalidationLocks {
  const { redis } = options
  const longest = Math.max(1, Math.ceil(options.longestMs))
  redis.defineScripts(SCRIPTS)
  const lockKey = (key: SessionKey) => redis.keys.key('revalidationLock', key)
  const guard = <T>(operation: string, body: () => Promise<T>): Promise<T> =>
    redis.run(operation, body).catch((error: unknown) => {
      throw storeUnavailable(error, operation)
    })
  return {
    acquire: (key, leaseMs) =>
      guard('revalidation lock', async () => {
        const lease = Math.min(longest, Math.max(1, Math.ceil(leaseMs)))
        const [taken, bad] = (await Promise.resolve(
          redis.script(redis.commands, 'fxaGateLockAcquire', [lockKey(key)], [lease, longest]),
        )) as [number, number]
        if (bad === 1) redis.faults.report('revalidation_lock', 'wrong_type')
        return taken === 1
      }),
    hold: (key, ms) =>
      guard('revalidation lock', async () => {
        await redis.commands.set(lockKey(key), '1', 'PX', Math.min(longest, Math.max(1, Math.ceil(ms))))
      }),
  }
}
