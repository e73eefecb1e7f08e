import type { Cluster, Redis } from 'ioredis'
import { GateError } from '../errors.ts'
import type { EventStateStore } from './event-state.ts'

// Each script touches one key, so each runs on the node that owns it (Cluster-safe).
const SCRIPTS = {
  /** KEYS: event. ARGV: leaseMs. */
  fxaGateEventClaim: `
local v = redis.call('GET', KEYS[1])
if v == 'done' then return 'done' end
if v then return 'busy' end
redis.call('SET', KEYS[1], 'pending', 'PX', ARGV[1])
return 'claimed'`,
  /** KEYS: event. Deletes a claim that was not completed. */
  fxaGateEventRelease: `
if redis.call('GET', KEYS[1]) == 'pending' then redis.call('DEL', KEYS[1]) end
return 1`,
  /** KEYS: user state hash. ARGV: changeTime, ttlMs, stream... Returns the streams recorded. */
  fxaGateEventAdvance: `
local t = tonumber(ARGV[1])
local fresh = {}
for i = 3, #ARGV do
  local current = tonumber(redis.call('HGET', KEYS[1], ARGV[i]))
  if not current or t >= current then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[1])
    fresh[#fresh + 1] = ARGV[i]
  end
end
if #fresh > 0 and redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return fresh`,
} as const

type Scripts = Record<keyof typeof SCRIPTS, (key: string, ...args: string[]) => Promise<unknown>>

/**
 * Event state in Redis, shared by every replica. Keys: `<prefix>ej:<event id>` (`pending` or `done`,
 * with a TTL) and `<prefix>eu:<uid>` (hash: stream → last change time, TTL). The event id is a hash
 * of the `jti`, so no key carries anything of the user but `eu:`, which `forgetUser` deletes.
 */
export function createRedisEventState(options: {
  redis: Redis | Cluster
  keyPrefix: string
}): EventStateStore {
  const { redis, keyPrefix } = options
  for (const [name, lua] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys: 1, lua })
  const scripts = redis as unknown as Scripts
  const eventKey = (id: string) => `${keyPrefix}ej:${id}`
  const userKey = (uid: string) => `${keyPrefix}eu:${uid}`

  return {
    claim: (id, leaseMs) =>
      guard(
        async () =>
          (await scripts.fxaGateEventClaim(eventKey(id), ms(leaseMs))) as 'claimed' | 'done' | 'busy',
      ),
    complete: (id, rememberMs) =>
      guard(async () => {
        await redis.set(eventKey(id), 'done', 'PX', Math.max(1, Math.ceil(rememberMs)))
      }),
    release: (id) =>
      guard(async () => {
        await scripts.fxaGateEventRelease(eventKey(id))
      }),
    advance: (uid, streams, changeTime, ttlMs) =>
      guard(async () => {
        if (streams.length === 0) return []
        const fresh = await scripts.fxaGateEventAdvance(
          userKey(uid),
          String(changeTime),
          ms(ttlMs),
          ...streams,
        )
        return Array.isArray(fresh) ? fresh.map(String) : []
      }),
    forgetUser: (uid) =>
      guard(async () => {
        await redis.del(userKey(uid))
      }),
  }
}

function ms(duration: number): string {
  return String(Math.max(1, Math.ceil(duration)))
}

/** ioredis errors become STORE_UNAVAILABLE here; their text may hold arguments, so only the name is kept. */
async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (error) {
    if (error instanceof GateError) throw error
    const name = error instanceof Error ? error.name : 'Error'
    throw new GateError('STORE_UNAVAILABLE', { detail: `event state: ${name}` })
  }
}
