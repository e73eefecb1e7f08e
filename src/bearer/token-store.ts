import type { Cluster, Redis } from 'ioredis'
import { GateError } from '../errors.ts'
import type { TokenResult } from './token-result.ts'

/**
 * Token results shared by every replica, keyed by `base64url(sha256(token))` — never the token.
 * Results of a user can be dropped at once (password change, account deletion), and every replica
 * hears of it to drop its in-process copies.
 */
export interface TokenStore {
  get(hash: string): Promise<TokenResult | undefined>
  set(hash: string, result: TokenResult, ttlMs: number): Promise<void>
  /** Forgets every cached result of the user, everywhere. */
  dropUser(uid: string): Promise<void>
  /** Called (in every replica) with a uid whose results were dropped. */
  onDropUser(listener: (uid: string) => void): () => void
}

export function createMemoryTokenStore(clock: () => number = Date.now): TokenStore {
  const entries = new Map<string, { result: TokenResult; until: number }>()
  const listeners = new Set<(uid: string) => void>()
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
  }
}

/** `<prefix>t:<hash>` holds a result; `<prefix>tu:<uid>` the hashes of a user's results. */
export function createRedisTokenStore(options: {
  redis: Redis | Cluster
  subscriber: Redis
  keyPrefix: string
}): TokenStore {
  const { redis, subscriber, keyPrefix } = options
  const channel = `${keyPrefix}tokens-dropped`
  const listeners = new Set<(uid: string) => void>()
  const guarded = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run()
    } catch (error) {
      throw new GateError('STORE_UNAVAILABLE', { cause: error, detail: 'token cache' })
    }
  }
  subscriber.subscribe(channel).catch(() => {})
  subscriber.on('message', (from: string, uid: string) => {
    if (from === channel) for (const listener of listeners) listener(uid)
  })
  return {
    async get(hash) {
      const text = await guarded(() => redis.get(`${keyPrefix}t:${hash}`))
      if (text === null) return undefined
      try {
        return JSON.parse(text) as TokenResult
      } catch {
        return undefined
      }
    },
    async set(hash, result, ttlMs) {
      const ttl = Math.max(1, Math.ceil(ttlMs))
      await guarded(async () => {
        await redis.set(`${keyPrefix}t:${hash}`, JSON.stringify(result), 'PX', ttl)
        if (result.active) {
          const index = `${keyPrefix}tu:${result.sub}`
          await redis.sadd(index, hash)
          // The index lives as long as the longest result in it.
          await redis.pexpire(index, ttl, 'GT')
          if ((await redis.pttl(index)) < 0) await redis.pexpire(index, ttl)
        }
      })
    },
    async dropUser(uid) {
      await guarded(async () => {
        const index = `${keyPrefix}tu:${uid}`
        const hashes = await redis.smembers(index)
        await Promise.all([...hashes.map((hash) => redis.del(`${keyPrefix}t:${hash}`)), redis.del(index)])
        await redis.publish(channel, uid)
      })
    },
    onDropUser(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
