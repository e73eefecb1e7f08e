import { storeUnavailable } from '../redis/errors.ts'
import type { LuaScript, RedisLayer } from '../redis/layer.ts'
import type { SessionKey } from './types.ts'

/** A session whose tokens may need destroying: its sealed tokens and failed attempts so far. */
export interface ReaperEntry {
  readonly key: SessionKey
  readonly tokens: string
  readonly attempts: number
}

/**
 * A copy of every live session's sealed provider tokens, kept apart from the session itself: a
 * session that expires in Redis vanishes without a trace, so its tokens must outlive it to be
 * destroyed. Each entry has a time to look at it next; claiming due entries leases them, so two
 * replicas never work on the same one.
 */
export interface TokenReaperStore {
  /** Remembers a new session's tokens; first look at it at `checkAt`. */
  track(key: SessionKey, tokens: string, checkAt: number): Promise<void>
  /** Replaces a tracked session's tokens (a refresh changed them). */
  retoken(key: SessionKey, tokens: string): Promise<void>
  /** The sessions are over: look at them at `at`. */
  due(keys: readonly SessionKey[], at: number): Promise<void>
  /** Up to `limit` entries due by `now`, each leased for `leaseMs`. */
  claim(now: number, limit: number, leaseMs: number): Promise<ReaperEntry[]>
  /** Look at the entry again at `at`; `failed` counts a failed destruction. */
  reschedule(key: SessionKey, at: number, failed: boolean): Promise<void>
  forget(key: SessionKey): Promise<void>
}

interface MemoryEntry {
  tokens: string
  attempts: number
  at: number
}

export function createMemoryTokenReaperStore(): TokenReaperStore {
  const entries = new Map<SessionKey, MemoryEntry>()
  return {
    async track(key, tokens, checkAt) {
      entries.set(key, { tokens, attempts: 0, at: checkAt })
    },
    async retoken(key, tokens) {
      const entry = entries.get(key)
      if (entry) entry.tokens = tokens
    },
    async due(keys, at) {
      for (const key of keys) {
        const entry = entries.get(key)
        if (entry) entry.at = Math.min(entry.at, at)
      }
    },
    async claim(now, limit, leaseMs) {
      const claimed: ReaperEntry[] = []
      for (const [key, entry] of entries) {
        if (claimed.length >= limit) break
        if (entry.at > now) continue
        entry.at = now + leaseMs
        claimed.push({ key, tokens: entry.tokens, attempts: entry.attempts })
      }
      return claimed
    },
    async reschedule(key, at, failed) {
      const entry = entries.get(key)
      if (!entry) return
      entry.at = at
      if (failed) entry.attempts += 1
    },
    async forget(key) {
      entries.delete(key)
    },
  }
}

// Both keys carry the `{tr}` hash tag: each script runs on the one node that owns them. A key of
// another type is not ours: it is deleted rather than failing every sweep.
const TYPES = `
local t1 = redis.call('TYPE', KEYS[1]).ok
if t1 ~= 'none' and t1 ~= 'zset' then redis.call('DEL', KEYS[1]) end
local t2 = redis.call('TYPE', KEYS[2]).ok
if t2 ~= 'none' and t2 ~= 'hash' then redis.call('DEL', KEYS[2]) end`

const SCRIPTS = {
  /** KEYS: schedule, tokens. ARGV: key, sealed tokens, checkAt. */
  fxaGateReaperTrack: {
    keys: 2,
    lua: `${TYPES}
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode({t = ARGV[2], n = 0}))
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1`,
  },
  /** KEYS: schedule, tokens. ARGV: key, sealed tokens. Only for a tracked session. */
  fxaGateReaperRetoken: {
    keys: 2,
    lua: `${TYPES}
local v = redis.call('HGET', KEYS[2], ARGV[1])
if not v then return 0 end
local ok, entry = pcall(cjson.decode, v)
local n = (ok and type(entry) == 'table' and tonumber(entry.n)) or 0
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode({t = ARGV[2], n = n}))
return 1`,
  },
  /** KEYS: schedule, tokens. ARGV: at, key… Brings tracked entries forward to `at`. */
  fxaGateReaperDue: {
    keys: 2,
    lua: `${TYPES}
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) > tonumber(ARGV[1]) then redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i]) end
end
return 1`,
  },
  /** KEYS: schedule, tokens. ARGV: now, limit, leaseMs. Leases and returns due entries [key, value, …]. */
  fxaGateReaperClaim: {
    keys: 2,
    lua: `${TYPES}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, key in ipairs(due) do
  local v = redis.call('HGET', KEYS[2], key)
  if v then
    redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[3]), key)
    table.insert(out, key)
    table.insert(out, v)
  else
    redis.call('ZREM', KEYS[1], key)
  end
end
return out`,
  },
  /** KEYS: schedule, tokens. ARGV: key, at, failed (1/0). */
  fxaGateReaperReschedule: {
    keys: 2,
    lua: `${TYPES}
local v = redis.call('HGET', KEYS[2], ARGV[1])
if not v then redis.call('ZREM', KEYS[1], ARGV[1]) return 0 end
if ARGV[3] == '1' then
  local ok, entry = pcall(cjson.decode, v)
  if ok and type(entry) == 'table' then
    entry.n = (tonumber(entry.n) or 0) + 1
    redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(entry))
  end
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1`,
  },
  /** KEYS: schedule, tokens. ARGV: key. */
  fxaGateReaperForget: {
    keys: 2,
    lua: `${TYPES}
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1`,
  },
} as const satisfies Record<string, LuaScript>

/**
 * `<prefix>{tr}:due` (sorted set) and `<prefix>{tr}:tokens` (hash), one slot. Not written with WAIT:
 * an entry lost in a failover leaves one ended session's tokens alive at the provider, nothing more.
 */
export function createRedisTokenReaperStore(options: { redis: RedisLayer }): TokenReaperStore {
  const { redis } = options
  redis.defineScripts(SCRIPTS)
  const schedule = redis.keys.key('reaper', 'due')
  const tokensKey = redis.keys.key('reaper', 'tokens')
  const run = async (name: keyof typeof SCRIPTS, ...args: string[]): Promise<unknown> => {
    try {
      return await redis.run('token reaper', () =>
        Promise.resolve(redis.script(redis.commands, name, [schedule, tokensKey], args)),
      )
    } catch (error) {
      throw storeUnavailable(error, 'token reaper')
    }
  }
  const ms = (value: number) => String(Math.floor(value))
  return {
    async track(key, tokens, checkAt) {
      await run('fxaGateReaperTrack', key, tokens, ms(checkAt))
    },
    async retoken(key, tokens) {
      await run('fxaGateReaperRetoken', key, tokens)
    },
    async due(sessionKeys, at) {
      if (sessionKeys.length > 0) await run('fxaGateReaperDue', ms(at), ...sessionKeys)
    },
    async claim(now, limit, leaseMs) {
      const flat = (await run('fxaGateReaperClaim', ms(now), String(limit), ms(leaseMs))) as string[]
      const claimed: ReaperEntry[] = []
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const entry = decode(flat[i + 1]!)
        if (entry) claimed.push({ key: flat[i]!, ...entry })
        else await run('fxaGateReaperForget', flat[i]!)
      }
      return claimed
    },
    async reschedule(key, at, failed) {
      await run('fxaGateReaperReschedule', key, ms(at), failed ? '1' : '0')
    },
    async forget(key) {
      await run('fxaGateReaperForget', key)
    },
  }
}

function decode(value: string): { tokens: string; attempts: number } | undefined {
  try {
    const parsed = JSON.parse(value) as { t?: unknown; n?: unknown }
    if (typeof parsed.t !== 'string') return undefined
    return { tokens: parsed.t, attempts: typeof parsed.n === 'number' ? parsed.n : 0 }
  } catch {
    return undefined
  }
}
