import { randomBytes } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { GateError } from '../errors.ts'
import { storeUnavailable } from '../redis/errors.ts'
import type { RecordProblem } from '../redis/faults.ts'
import type { LuaScript, RedisLayer } from '../redis/layer.ts'
import type { EventClaim, EventStateStore } from './event-state.ts'

const SERVER_NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`

// Each script touches one key, so each runs on the node that owns it (Cluster-safe). What is not
// ours (a wrong type, an unknown value) is deleted and reported as the script's second reply.
const SCRIPTS = {
  /** KEYS: any key on the node. The node's clock, in ms. */
  fxaGateServerTime: { keys: 1, lua: `${SERVER_NOW}\nreturn now` },
  /**
   * KEYS: event. ARGV: leaseMs, lease, notAfter (server ms). Refuses ('late') once the caller has
   * stopped waiting: a claim held up by a hung Redis must not land afterwards and block redelivery.
   */
  fxaGateEventClaim: {
    keys: 1,
    lua: `${SERVER_NOW}
if now > tonumber(ARGV[3]) then return {'late', ''} end
local problem = ''
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'string' then
  local v = redis.call('GET', KEYS[1])
  if v == 'done' then return {'done', ''} end
  if string.sub(v, 1, 8) == 'pending:' then return {'busy', ''} end
  problem = 'schema'
elseif kind ~= 'none' then
  problem = 'wrong_type'
end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[1], 'pending:' .. ARGV[2], 'PX', ARGV[1])
return {'claimed', problem}`,
  },
  /** KEYS: event. ARGV: lease. Deletes the claim only if it is still this delivery's. */
  fxaGateEventRelease: {
    keys: 1,
    lua: `
if redis.call('TYPE', KEYS[1]).ok == 'string' and redis.call('GET', KEYS[1]) == 'pending:' .. ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 1`,
  },
  /** KEYS: user state hash. ARGV: changeTime, ttlMs, stream... Returns {problem, streams recorded}. */
  fxaGateEventAdvance: {
    keys: 1,
    lua: `
local problem = ''
local kind = redis.call('TYPE', KEYS[1]).ok
if kind ~= 'none' and kind ~= 'hash' then redis.call('DEL', KEYS[1]) problem = 'wrong_type' end
local t = tonumber(ARGV[1])
local fresh = {}
for i = 3, #ARGV do
  local raw = redis.call('HGET', KEYS[1], ARGV[i])
  local current = tonumber(raw)
  if raw and not current then problem = 'schema' end
  if not current or t >= current then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[1])
    fresh[#fresh + 1] = ARGV[i]
  end
end
if #fresh > 0 and redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return {problem, fresh}`,
  },
} as const satisfies Record<string, LuaScript>

/**
 * Event state in Redis, shared by every replica. Keys: `<prefix>ej:<event id>` (`pending:<lease>`
 * or `done`, with a TTL) and `<prefix>eu:<uid>` (hash: stream → last change time, TTL). The event
 * id is a hash of the `jti`, so no key carries anything of the user but `eu:`, which `forgetUser`
 * deletes. Change times are written durably (WAIT): one lost in a failover would let an older event
 * undo a newer one.
 */
export function createRedisEventState(options: {
  redis: RedisLayer
  commandTimeoutMs: number
}): EventStateStore {
  const { redis } = options
  const { keys, run } = redis
  redis.defineScripts(SCRIPTS)
  const eventKey = (id: string) => keys.key('eventClaim', id)
  const userKey = (uid: string) => keys.key('eventUser', uid)
  const call = (operation: string, script: string, key: string, ...args: (string | number)[]) =>
    run(operation, () => redis.script(redis.commands, script, [key], args) as Promise<unknown>)
  // The lease of each claim this process holds, so that only its own claim is given back.
  const leases = new LRUCache<string, string>({ max: 10_000 })
  const reported = (kind: 'event' | 'event_user', problem: unknown) => {
    if (typeof problem === 'string' && problem !== '') redis.faults.report(kind, problem as RecordProblem)
  }
  const guard = <T>(operation: string, body: () => Promise<T>): Promise<T> =>
    body().catch((error: unknown) => {
      throw error instanceof GateError ? error : storeUnavailable(error, operation)
    })

  return {
    claim: (id, leaseMs) =>
      guard('event claim', async () => {
        const asked = performance.now()
        const serverNow = Number(await call('event claim', 'fxaGateServerTime', eventKey(id)))
        // The server time at which this claim's own deadline passes, at the latest.
        const notAfter = Math.ceil(serverNow + (performance.now() - asked) + options.commandTimeoutMs)
        const lease = randomBytes(12).toString('base64url')
        const [outcome, problem] = (await call(
          'event claim',
          'fxaGateEventClaim',
          eventKey(id),
          Math.max(1, Math.ceil(leaseMs)),
          lease,
          notAfter,
        )) as [string, string]
        reported('event', problem)
        if (outcome === 'late')
          throw new GateError('STORE_UNAVAILABLE', { detail: 'event claim: arrived late' })
        if (outcome === 'claimed') leases.set(id, lease)
        return outcome as EventClaim
      }),
    complete: (id, rememberMs) =>
      guard('event complete', async () => {
        leases.delete(id)
        await run('event complete', () =>
          redis.commands.set(eventKey(id), 'done', 'PX', Math.max(1, Math.ceil(rememberMs))),
        )
      }),
    release: (id) =>
      guard('event release', async () => {
        const lease = leases.get(id)
        leases.delete(id)
        if (lease !== undefined) await call('event release', 'fxaGateEventRelease', eventKey(id), lease)
      }),
    advance: (uid, streams, changeTime, ttlMs) =>
      guard('event state', async () => {
        if (streams.length === 0) return []
        const args = [String(changeTime), String(Math.max(1, Math.ceil(ttlMs))), ...streams]
        const [reply] = await redis.durable.write('event state', [userKey(uid)], (pipeline, key) => {
          redis.script(pipeline, 'fxaGateEventAdvance', [key], args)
        })
        const [problem, fresh] = (reply ?? ['', []]) as [string, unknown[]]
        reported('event_user', problem)
        return Array.isArray(fresh) ? fresh.map(String) : []
      }),
    forgetUser: (uid) =>
      guard('event state', async () => {
        await run('event state', () => redis.commands.del(userKey(uid)))
      }),
  }
}
