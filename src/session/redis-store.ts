import type { Cluster, Redis } from 'ioredis'
import { GateError } from '../errors.ts'
import { redisKeys } from './keys.ts'
import type { Invalidation, SessionKey, SessionRecord, SessionStore } from './types.ts'

export interface RedisSessionStoreOptions {
  /** Commands; made by `createRedis`. */
  redis: Redis | Cluster
  /** A separate connection for pub/sub; made by `createSubscriber(redis)`. The store subscribes it. */
  subscriber: Redis | Cluster
  keyPrefix: string
  /** ms since the epoch; absent = the Redis server's clock (one clock for every replica). */
  clock?: () => number
}

// Every script touches one key, so each runs on the node that owns it (Cluster-safe).
// ARGV "now" is the caller's clock in ms, or empty for the server's TIME.
const NOW = `
local now = tonumber(ARGV[#ARGV])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end`

const SCRIPTS = {
  /** KEYS: session. ARGV: json, expiresAt, idleMs, now. Idle lifetime capped at the deadline. */
  fxaGateSessionCreate: `${NOW}
local ttl = math.min(tonumber(ARGV[3]), tonumber(ARGV[2]) - now)
if ttl <= 0 then redis.call('DEL', KEYS[1]) return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'r', ARGV[1], 'x', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
return 1`,
  /** KEYS: session. ARGV: idleMs, now. Returns the record and extends it, never past its deadline. */
  fxaGateSessionGet: `
local v = redis.pcall('HMGET', KEYS[1], 'r', 'x')
if v.err then redis.call('DEL', KEYS[1]) return false end
if not v[1] and not v[2] then return false end
local deadline = tonumber(v[2])
if not v[1] or not deadline then redis.call('DEL', KEYS[1]) return false end
${NOW}
local ttl = math.min(tonumber(ARGV[1]), deadline - now)
if ttl <= 0 then redis.call('DEL', KEYS[1]) return false end
redis.call('PEXPIRE', KEYS[1], ttl)
return v[1]`,
  /** KEYS: session. The record and its remaining lifetime in ms, without extending it. */
  fxaGateSessionInspect: `
local r = redis.pcall('HGET', KEYS[1], 'r')
if type(r) ~= 'string' then return false end
return {r, redis.call('PTTL', KEYS[1])}`,
  /** KEYS: session. ARGV: json, expiresAt, now. Replaces the record; the lifetime may shrink, never grow. */
  fxaGateSessionUpdate: `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
${NOW}
local left = tonumber(ARGV[2]) - now
if left <= 0 then redis.call('DEL', KEYS[1]) return 0 end
redis.call('HSET', KEYS[1], 'r', ARGV[1], 'x', ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 or ttl > left then redis.call('PEXPIRE', KEYS[1], left) end
return 1`,
  /** KEYS: session. Deletes it and returns its record ('' when unreadable), or nil when absent. */
  fxaGateSessionTake: `
local r = redis.pcall('HGET', KEYS[1], 'r')
if redis.call('DEL', KEYS[1]) == 0 then return false end
if type(r) == 'string' then return r end
return ''`,
  /** KEYS: user index. ARGV: session key, expiresAt, now. The index outlives its longest session. */
  fxaGateIndexAdd: `${NOW}
local ttl = tonumber(ARGV[2]) - now
if ttl <= 0 then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
local current = redis.call('PTTL', KEYS[1])
if current < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1`,
} as const

type Script = (key: string, ...args: string[]) => Promise<unknown>
type Scripts = Record<keyof typeof SCRIPTS, Script>

/**
 * Sessions in Redis (standalone, Sentinel or Cluster). Every ioredis failure becomes GateError
 * STORE_UNAVAILABLE here. Invalidations travel on one pub/sub channel; the store also tells its own
 * listeners at once when one of its calls ends or changes a session.
 */
export function createRedisSessionStore(options: RedisSessionStoreOptions): SessionStore {
  const { redis, subscriber } = options
  const keys = redisKeys(options.keyPrefix)
  for (const [name, lua] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys: 1, lua })
  const scripts = redis as unknown as Scripts
  const now = (): string => (options.clock ? String(Math.floor(options.clock())) : '')

  const listeners = new Set<(event: Invalidation) => void>()
  const emit = (event: Invalidation): void => {
    for (const listener of listeners) {
      try {
        listener(event)
      } catch {
        // A failing cache must not stop the others from hearing about the change.
      }
    }
  }
  const invalidate = async (sessionKeys: readonly SessionKey[]): Promise<void> => {
    for (const key of sessionKeys) emit({ kind: 'session', key })
    await Promise.all(sessionKeys.map((key) => redis.publish(keys.invalidations, key)))
  }
  const subscription = subscribe(subscriber, keys.invalidations, emit)

  return {
    shared: true,

    create: (key, record, idleMs) =>
      guard(async () => {
        const expiresAt = String(record.expiresAt)
        // Index first: a session missing from its user's index would escape deleteByUser.
        await scripts.fxaGateIndexAdd(keys.userIndex(record.uid), key, expiresAt, now())
        const json = JSON.stringify(record)
        await scripts.fxaGateSessionCreate(keys.session(key), json, expiresAt, ms(idleMs), now())
      }),

    get: (key, idleMs) =>
      guard(async () => {
        const json = await scripts.fxaGateSessionGet(keys.session(key), ms(idleMs), now())
        if (typeof json !== 'string') return null
        const record = decodeRecord(json)
        if (!record) await redis.del(keys.session(key))
        return record
      }),

    peek: (key) =>
      guard(async () => {
        const json = await redis.hget(keys.session(key), 'r')
        return json === null ? null : decodeRecord(json)
      }),

    inspect: (key) =>
      guard(async () => {
        const found = await scripts.fxaGateSessionInspect(keys.session(key))
        if (!Array.isArray(found)) return null
        const [json, ttl] = found as [string, number]
        const record = decodeRecord(json)
        if (record === null || ttl < 0) return null
        // The remaining lifetime by the caller's clock: the one the idle lifetime was set with.
        const now = options.clock ? options.clock() : Date.now()
        return { record, endsAt: now + ttl }
      }),

    update: (key, record) =>
      guard(async () => {
        const args = [JSON.stringify(record), String(record.expiresAt), now()]
        const updated = (await scripts.fxaGateSessionUpdate(keys.session(key), ...args)) === 1
        await invalidate([key])
        return updated
      }),

    delete: (key) =>
      guard(async () => {
        const taken = await scripts.fxaGateSessionTake(keys.session(key))
        const uid = typeof taken === 'string' ? decodeRecord(taken)?.uid : undefined
        if (uid !== undefined) await redis.srem(keys.userIndex(uid), key)
        await invalidate([key])
        return typeof taken === 'string'
      }),

    listByUser: (uid) =>
      guard(async () => {
        const members = await redis.smembers(keys.userIndex(uid))
        const exists = await Promise.all(members.map((key) => redis.exists(keys.session(key))))
        const stale = members.filter((_, i) => exists[i] === 0)
        if (stale.length > 0) await redis.srem(keys.userIndex(uid), ...stale)
        return members.filter((_, i) => exists[i] === 1)
      }),

    deleteByUser: (uid, before) =>
      guard(async () => {
        const members = await redis.smembers(keys.userIndex(uid))
        const outcomes = await Promise.all(
          members.map(async (key): Promise<'kept' | 'stale' | 'ended'> => {
            const json = await redis.hget(keys.session(key), 'r')
            if (json === null) return 'stale'
            const record = decodeRecord(json)
            if (record !== null && before !== undefined && record.loginAt >= before) return 'kept'
            const deleted = await redis.del(keys.session(key))
            return record !== null && deleted === 1 ? 'ended' : 'stale'
          }),
        )
        const ended = members.filter((_, i) => outcomes[i] === 'ended')
        const unindexed = members.filter((_, i) => outcomes[i] !== 'kept')
        // The set disappears with its last member.
        if (unindexed.length > 0) await redis.srem(keys.userIndex(uid), ...unindexed)
        await invalidate(ended)
        return ended
      }),

    onInvalidate(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },

    invalidationsLive: () => subscription.live(),

    ping: () =>
      guard(async () => {
        await redis.ping()
      }),

    async close() {
      subscription.stop()
      listeners.clear()
      await Promise.all([quit(redis), quit(subscriber)])
    },
  }
}

/**
 * Keeps `subscriber` subscribed to `channel` and tracks whether messages can have been missed:
 * losing the connection emits `reset`, and so does (re-)subscribing.
 */
function subscribe(subscriber: Redis | Cluster, channel: string, emit: (event: Invalidation) => void) {
  let live = false
  let stopped = false
  let generation = 0
  const lose = (): void => {
    generation += 1
    if (stopped || !live) return
    live = false
    emit({ kind: 'reset' })
  }
  const resubscribe = (): void => {
    const started = generation
    subscriber.subscribe(channel).then(
      () => {
        if (stopped || live || started !== generation || subscriber.status !== 'ready') return
        live = true
        emit({ kind: 'reset' })
      },
      () => {
        // Retried on the next `ready`.
      },
    )
  }
  const onMessage = (from: string, message: string): void => {
    if (!stopped && from === channel) emit({ kind: 'session', key: message })
  }
  const onError = (): void => {
    lose()
    if (subscriber.status === 'ready') resubscribe()
  }
  subscriber.on('message', onMessage)
  subscriber.on('close', lose)
  subscriber.on('end', lose)
  subscriber.on('error', onError)
  subscriber.on('ready', resubscribe)
  resubscribe()
  return {
    live: () => live && !stopped,
    stop(): void {
      stopped = true
      live = false
      subscriber.off('message', onMessage)
      subscriber.off('ready', resubscribe)
      subscriber.off('close', lose)
      subscriber.off('end', lose)
      subscriber.off('error', onError)
    },
  }
}

/** A stored record, or null when it is not one (corrupt data is treated as absent). */
function decodeRecord(json: string): SessionRecord | null {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const record = value as Partial<Record<keyof SessionRecord, unknown>>
  const valid =
    record.v === 1 &&
    typeof record.uid === 'string' &&
    typeof record.loginAt === 'number' &&
    typeof record.expiresAt === 'number'
  return valid ? (value as SessionRecord) : null
}

/** QUIT, or a hard disconnect when Redis cannot answer in time (a queued QUIT would wait for it). */
async function quit(client: Redis | Cluster): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    client.quit().catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, 1000)
    }),
  ])
  clearTimeout(timer)
  client.disconnect()
}

/** The one boundary where ioredis errors become GateError STORE_UNAVAILABLE. */
async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (error) {
    throw storeUnavailable(error)
  }
}

function ms(duration: number): string {
  return String(Math.ceil(duration))
}

function storeUnavailable(error: unknown): GateError {
  if (error instanceof GateError) return error
  // The ioredis error may carry the command's arguments (records); keep only what identifies it.
  const original = error instanceof Error ? error : new Error(String(error))
  const cause = new Error(original.message)
  cause.name = original.name
  const code = (original as { code?: unknown }).code
  if (typeof code === 'string') Object.assign(cause, { code })
  return new GateError('STORE_UNAVAILABLE', { cause, detail: `${original.name}: ${original.message}` })
}
