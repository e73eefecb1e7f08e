import type { ChainableCommander } from 'ioredis'
import { GateError } from '../errors.ts'
import { storeUnavailable } from '../redis/errors.ts'
import type { RecordProblem } from '../redis/faults.ts'
import type { RedisLayer } from '../redis/layer.ts'
import { rebuildUserIndex } from './index-repair.ts'
import type { RecordCodec } from './record.ts'
import { INDEX_SCRIPTS, SESSION_SCRIPTS, TOMBSTONE_MS } from './redis-scripts.ts'
import type { Invalidation, SessionKey, SessionRecord, SessionStore } from './types.ts'

export interface RedisSessionStoreOptions {
  readonly redis: RedisLayer
  /** Seals records with a MAC and opens them again (see record.ts). */
  readonly codec: RecordCodec
  /** ms since the epoch; absent = the Redis server's clock (one clock for every replica). */
  readonly clock?: (() => number) | undefined
}

type Ended = SessionRecord | 'ended' | null
type Read =
  | { state: 'absent' }
  | { state: 'live'; record: SessionRecord /** What is left of the key's lifetime (PTTL). */; ttlMs: number }
  | { state: 'invalid' }

/**
 * Sessions in Redis (standalone, Sentinel or Cluster), on the shared storage layer. Every record is
 * MAC'd and schema-checked on read; bad data is deleted, reported, and answered as no session.
 * Ending or narrowing a session is durable (confirmed by the replicas, see redis/durability.ts) and
 * published in the same script; this store also tells its own listeners at once.
 */
export function createRedisSessionStore(options: RedisSessionStoreOptions): SessionStore {
  const { redis, codec } = options
  const { keys, run } = redis
  redis.defineScripts({ ...SESSION_SCRIPTS, ...INDEX_SCRIPTS })
  const sessionKey = (key: SessionKey) => keys.key('session', key)
  const userIndex = (uid: string) => keys.key('userIndex', uid)
  const channel = keys.channel('sessions')
  const now = (): string => (options.clock ? String(Math.floor(options.clock())) : '')
  const clockNow = (): number => (options.clock ? options.clock() : Date.now())
  const call = (operation: string, script: string, key: string, ...args: (string | number)[]) =>
    run(operation, () => redis.script(redis.commands, script, [key], args) as Promise<unknown>)

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
  const unsubscribe = [
    redis.pubsub.on(channel, (key) => emit({ kind: 'session', key })),
    redis.pubsub.onReset(() => emit({ kind: 'reset' })),
  ]

  /** Reads a record (extending it when `idleMs` is given); bad data is dropped and reported. */
  async function read(key: SessionKey, idleMs: number | undefined): Promise<Read> {
    const extend = idleMs === undefined ? '' : String(Math.ceil(idleMs))
    const reply = await call('session read', 'fxaGateSessionRead', sessionKey(key), extend, now())
    if (!Array.isArray(reply)) return { state: 'absent' }
    const [json, mac, ttl] = reply.map(String) as [string, string, string | undefined]
    if (json === '!') {
      redis.faults.report('session', mac as RecordProblem)
      return { state: 'invalid' }
    }
    const opened = codec.open(key, json, mac)
    if (!opened.ok) {
      await call('session drop', 'fxaGateSessionDropIf', sessionKey(key), json)
      redis.faults.report('session', opened.problem)
      return { state: 'invalid' }
    }
    // The deadline is the record's (MAC'd), not the key's TTL, which a Redis writer could lift.
    if (opened.record.expiresAt <= clockNow()) return { state: 'absent' }
    return { state: 'live', record: opened.record, ttlMs: Number(ttl ?? -1) }
  }

  /** The user's index; rebuilt from the sessions themselves when a bad write destroyed it. */
  async function members(uid: string): Promise<SessionKey[]> {
    const reply = (await call('user index', 'fxaGateIndexMembers', userIndex(uid))) as [number, string[]]
    if (Number(reply[0]) === 0) return reply[1].map(String)
    redis.faults.report('user_index', 'wrong_type')
    return rebuildUserIndex({ redis, codec, uid, index: (key, record) => index(uid, key, record) })
  }

  async function index(uid: string, key: SessionKey, record: SessionRecord): Promise<void> {
    const ttl = Math.max(1, record.expiresAt - clockNow())
    const repaired = await call('user index add', 'fxaGateIndexAdd', userIndex(uid), key, ttl)
    if (Number(repaired) === 1) {
      redis.faults.report('user_index', 'wrong_type')
      await rebuildUserIndex({ redis, codec, uid, index: (other, found) => index(uid, other, found) })
    }
  }

  async function unindex(uid: string, sessionKeys: readonly SessionKey[]): Promise<void> {
    if (sessionKeys.length > 0)
      await call('user index remove', 'fxaGateIndexRemove', userIndex(uid), ...sessionKeys)
  }

  /**
   * Ends sessions durably. For each: the record that was live (when it verifies), `ended` when only
   * a tombstone was there (an earlier end not yet confirmed), or null.
   */
  async function end(operation: string, sessionKeys: readonly SessionKey[]): Promise<Ended[]> {
    const byKey = new Map(sessionKeys.map((key) => [sessionKey(key), key]))
    const replies = await redis.durable.write(
      operation,
      [...byKey.keys()],
      (pipeline: ChainableCommander, key) => {
        redis.script(pipeline, 'fxaGateSessionEnd', [key], [TOMBSTONE_MS, channel, byKey.get(key)!])
      },
    )
    for (const key of sessionKeys) emit({ kind: 'session', key })
    return replies.map((reply, i): Ended => {
      if (reply === 'ended') return 'ended'
      if (!Array.isArray(reply)) return null
      const opened = codec.open(sessionKeys[i]!, String(reply[0]), String(reply[1]))
      return opened.ok ? opened.record : null
    })
  }

  const guard = <T>(operation: string, body: () => Promise<T>): Promise<T> =>
    body().catch((error: unknown) => {
      throw error instanceof GateError ? error : storeUnavailable(error, operation)
    })

  return {
    shared: true,

    create: (key, record, idleMs) =>
      guard('session create', async () => {
        // Index first: a session missing from its user's index would escape deleteByUser.
        await index(record.uid, key, record)
        const { json, mac } = codec.seal(key, record)
        await call(
          'session create',
          'fxaGateSessionCreate',
          sessionKey(key),
          json,
          mac,
          record.expiresAt,
          Math.ceil(idleMs),
          now(),
        )
      }),

    get: (key, idleMs) =>
      guard('session read', async () => {
        const found = await read(key, idleMs)
        return found.state === 'live' ? found.record : null
      }),

    peek: (key) =>
      guard('session read', async () => {
        const found = await read(key, undefined)
        return found.state === 'live' ? found.record : null
      }),

    inspect: (key) =>
      guard('session read', async () => {
        const found = await read(key, undefined)
        if (found.state !== 'live' || found.ttlMs < 0) return null
        // The remaining lifetime by the caller's clock: the one the idle lifetime was set with.
        return { record: found.record, endsAt: clockNow() + found.ttlMs }
      }),

    update: (key, record, expect) =>
      guard('session update', async () => {
        const { json, mac } = codec.seal(key, record)
        const [updated] = await redis.durable.write(
          'session update',
          [sessionKey(key)],
          (pipeline, redisKey) => {
            redis.script(
              pipeline,
              'fxaGateSessionUpdate',
              [redisKey],
              [json, mac, record.expiresAt, channel, key, expect?.tokens ?? '', now()],
            )
          },
        )
        emit({ kind: 'session', key })
        return Number(updated) === 1
      }),

    delete: (key) =>
      guard('logout', async () => {
        const [ended] = await end('logout', [key])
        if (ended === undefined || ended === null || ended === 'ended') return null
        // The end is confirmed: a stale index entry left by a failure here is pruned later.
        await unindex(ended.uid, [key]).catch(() => undefined)
        return ended
      }),

    listByUser: (uid) =>
      guard('sessions of a user', async () => {
        const indexed = await members(uid)
        const states = await Promise.all(
          indexed.map((key) => call('session state', 'fxaGateSessionState', sessionKey(key))),
        )
        states.forEach((state) => {
          if (state === 'wrong_type') redis.faults.report('session', 'wrong_type')
        })
        // Tombstones stay indexed until the revocation that left them is confirmed.
        await unindex(
          uid,
          indexed.filter((_, i) => states[i] === 'absent' || states[i] === 'wrong_type'),
        )
        return indexed.filter((_, i) => states[i] === 'live')
      }),

    deleteByUser: (uid, before) =>
      guard('revoke', async () => {
        const indexed = await members(uid)
        const reads = await Promise.all(indexed.map((key) => read(key, undefined)))
        const kept = (i: number) => {
          const found = reads[i]!
          return found.state === 'live' && before !== undefined && found.record.loginAt >= before
        }
        // Absent keys are ended too: they may be tombstones of an earlier, unconfirmed revocation.
        const ending = indexed.filter((_, i) => !kept(i))
        const ended = await end('revoke', ending)
        await unindex(uid, ending)
        return ending.filter((_, i) => ended[i] !== null)
      }),

    onInvalidate(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },

    invalidationsLive: () => redis.pubsub.live(),

    ping: () =>
      guard('ping', async () => {
        await redis.ping()
      }),

    async close() {
      for (const stop of unsubscribe) stop()
      listeners.clear()
    },
  }
}
