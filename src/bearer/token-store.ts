import { z } from 'zod'
import type { Keyring } from '../crypto/keyring.ts'
import { recordMac, verifyRecordMac } from '../crypto/record-mac.ts'
import { GateError } from '../errors.ts'
import { storeUnavailable } from '../redis/errors.ts'
import type { RecordProblem } from '../redis/faults.ts'
import type { LuaScript, RedisLayer } from '../redis/layer.ts'
import { INDEX_SCRIPTS } from '../session/redis-scripts.ts'
import { type TokenResult, tokenResultSchema } from './token-result.ts'

/**
 * Token results shared by every replica, keyed by `base64url(sha256(token))` — never the token.
 * Results of a user can be dropped at once (password change, account deletion), and every replica
 * hears of it to drop its in-process copies.
 */
export interface TokenStore {
  get(hash: string): Promise<TokenResult | undefined>
  set(hash: string, result: TokenResult, ttlMs: number): Promise<void>
  /** Forgets every cached result of the user, everywhere. Durable, and retryable after a failure. */
  dropUser(uid: string): Promise<void>
  /**
   * Called (in every replica) with a uid whose results were dropped, or with undefined when drops
   * may have been missed (the pub/sub connection was lost): then every in-process copy must go.
   */
  onDropUser(listener: (uid: string | undefined) => void): () => void
  /** Whether drops are provably being heard (see PubSub.live): in-process copies serve only then. */
  live(): boolean
}

export function createMemoryTokenStore(clock: () => number = Date.now): TokenStore {
  const entries = new Map<string, { result: TokenResult; until: number }>()
  const listeners = new Set<(uid: string | undefined) => void>()
  return {
    async get(hash) {
      const entry = entries.get(hash)
      if (entry === undefined) return undefined
      if (entry.until <= clock()) {
        entries.delete(hash)
        return undefined
      }
      return entry.result
    },
    async set(hash, result, ttlMs) {
      if (entries.size >= 100_000) entries.delete(entries.keys().next().value!)
      entries.set(hash, { result, until: clock() + ttlMs })
    },
    async dropUser(uid) {
      for (const [hash, entry] of entries)
        if (entry.result.active && entry.result.sub === uid) entries.delete(hash)
      for (const listener of listeners) listener(uid)
    },
    onDropUser(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    live: () => true,
  }
}

/** What `t:<hash>` holds: the result's JSON and its MAC, nothing else. */
const ENVELOPE = z.object({ m: z.string().max(128), r: z.string().max(65_536) }).strict()

const DROPPED = 'dropped'
/** A dropped result's key holds `dropped` this long: always a write, so a retry's WAIT covers it. */
const DROPPED_MS = 600_000

const TOKEN_SCRIPTS = {
  /** KEYS: result. Returns {value}, false when absent or dropped, {'!', problem} after deleting a wrong type. */
  fxaGateTokenGet: {
    keys: 1,
    lua: `
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'none' then return false end
if kind ~= 'string' then redis.call('DEL', KEYS[1]) return {'!', 'wrong_type'} end
local v = redis.call('GET', KEYS[1])
if v == '${DROPPED}' then return false end
return {v}`,
  },
  /** KEYS: result. ARGV: value. Deletes the value only if it is still that one (found invalid). */
  fxaGateTokenDropIf: {
    keys: 1,
    lua: `
if redis.call('TYPE', KEYS[1]).ok == 'string' and redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`,
  },
} as const satisfies Record<string, LuaScript>

/**
 * `t:<hash>` holds `{"m": <MAC>, "r": <result JSON>}` (the MAC, under a key derived from the cookie
 * secrets, binds the result to its hash: a Redis writer cannot make a token stand for another user);
 * `tu:<uid>` the hashes of a user's results. What reads back invalid is deleted, reported, and
 * treated as absent, so the token is checked with FxA again.
 */
export function createRedisTokenStore(options: {
  redis: RedisLayer
  /** The MAC keys; a function is read on every use, so a secret rotation applies at once. */
  keyring: Keyring | (() => Keyring)
}): TokenStore {
  const { redis, keyring } = options
  const macKeys = typeof keyring === 'function' ? keyring : () => keyring
  const { keys, run } = redis
  redis.defineScripts({ ...TOKEN_SCRIPTS, ...INDEX_SCRIPTS })
  const resultKey = (hash: string) => keys.key('token', hash)
  const indexKey = (uid: string) => keys.key('tokenIndex', uid)
  const channel = keys.channel('tokens')
  const call = (operation: string, script: string, key: string, ...args: (string | number)[]) =>
    run(operation, () => redis.script(redis.commands, script, [key], args) as Promise<unknown>)
  const listeners = new Set<(uid: string | undefined) => void>()
  const tell = (uid: string | undefined) => {
    for (const listener of listeners) listener(uid)
  }
  redis.pubsub.on(channel, tell)
  redis.pubsub.onReset(() => tell(undefined))

  function decode(hash: string, value: string): TokenResult | RecordProblem {
    let stored: unknown
    try {
      stored = JSON.parse(value)
    } catch {
      return 'unparsable'
    }
    const envelope = ENVELOPE.safeParse(stored)
    if (!envelope.success) return 'schema'
    const { m, r } = envelope.data
    if (!verifyRecordMac(macKeys(), hash, r, m)) return 'mac'
    try {
      const parsed = tokenResultSchema.safeParse(JSON.parse(r))
      return parsed.success ? (parsed.data as TokenResult) : 'schema'
    } catch {
      return 'unparsable'
    }
  }

  /** The user's result hashes; rebuilt from the results themselves when a bad write destroyed the index. */
  async function members(uid: string): Promise<string[]> {
    const reply = (await call('token index', 'fxaGateIndexMembers', indexKey(uid))) as [number, string[]]
    if (Number(reply[0]) === 0) return reply[1].map(String)
    redis.faults.report('token_index', 'wrong_type')
    return rebuildIndex(uid)
  }

  /** Finds the user's results by reading every cached result (SCAN): repairs only. */
  async function rebuildIndex(uid: string): Promise<string[]> {
    const found: string[] = []
    await redis.scan('token', async (redisKeys) => {
      for (const redisKey of redisKeys) {
        const hash = keys.idOf('token', redisKey)
        if (hash === undefined) continue
        const [value, ttl] = await Promise.all([
          run('token repair', () => redis.commands.get(redisKey)).catch(() => null),
          run('token repair', () => redis.commands.pttl(redisKey)).catch(() => -1),
        ])
        if (typeof value !== 'string' || value === DROPPED || ttl <= 0) continue
        const result = decode(hash, value)
        if (typeof result !== 'object' || !result.active || result.sub !== uid) continue
        await call('token index add', 'fxaGateIndexAdd', indexKey(uid), hash, ttl)
        found.push(hash)
      }
    })
    return found
  }

  const guard = <T>(operation: string, body: () => Promise<T>): Promise<T> =>
    body().catch((error: unknown) => {
      throw error instanceof GateError ? error : storeUnavailable(error, operation)
    })

  return {
    get: (hash) =>
      guard('token read', async () => {
        const reply = await call('token read', 'fxaGateTokenGet', resultKey(hash))
        if (!Array.isArray(reply)) return undefined
        if (reply[0] === '!') {
          redis.faults.report('token', reply[1] as RecordProblem)
          return undefined
        }
        const value = String(reply[0])
        const result = decode(hash, value)
        if (typeof result === 'object') return result
        await call('token drop', 'fxaGateTokenDropIf', resultKey(hash), value)
        redis.faults.report('token', result)
        return undefined
      }),

    set: (hash, result, ttlMs) =>
      guard('token write', async () => {
        const ttl = Math.max(1, Math.ceil(ttlMs))
        const r = JSON.stringify(result)
        const value = JSON.stringify({ m: recordMac(macKeys(), hash, r), r })
        await run('token write', () => redis.commands.set(resultKey(hash), value, 'PX', ttl))
        if (!result.active) return
        const repaired = await call('token index add', 'fxaGateIndexAdd', indexKey(result.sub), hash, ttl)
        if (Number(repaired) === 1) {
          redis.faults.report('token_index', 'wrong_type')
          await rebuildIndex(result.sub)
        }
      }),

    dropUser: (uid) =>
      guard('token drop', async () => {
        const hashes = await members(uid)
        await redis.durable.write('token drop', hashes.map(resultKey), (pipeline, key) => {
          pipeline.set(key, DROPPED, 'PX', DROPPED_MS)
        })
        // The index goes only once the drops are confirmed: a retry finds the same hashes.
        await run('token index drop', () => redis.commands.del(indexKey(uid)))
        tell(uid)
        await run('token drop publish', () => redis.commands.publish(channel, uid))
      }),

    onDropUser(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },

    live: () => redis.pubsub.live(),
  }
}
