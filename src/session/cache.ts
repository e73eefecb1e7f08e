import { LRUCache } from 'lru-cache'
import type { SessionKey, SessionRecord, SessionStore } from './types.ts'

/** A session, or `null` for a key known not to exist (ids are random: a gone key never returns). */
type Entry = { record: SessionRecord | null }

export interface SessionCache {
  get(key: SessionKey, now: number): SessionRecord | null | undefined
  /** A marker taken before reading the store; `set` refuses results that an invalidation overtook. */
  epoch(): number
  set(key: SessionKey, record: SessionRecord | null, epoch: number): void
  delete(key: SessionKey): void
  close(): void
}

/**
 * A short-lived in-process cache in front of the store, so a request with a valid session usually
 * awaits no round trip at all. Safety rests on invalidations: every replica's deletes and updates
 * arrive through the store's pub/sub, and while that channel is down the cache serves nothing.
 */
export function createSessionCache(
  store: SessionStore,
  options: { ttlMs: number; max?: number },
): SessionCache {
  if (options.ttlMs <= 0) {
    return { get: () => undefined, epoch: () => 0, set: () => {}, delete: () => {}, close: () => {} }
  }
  const lru = new LRUCache<SessionKey, Entry>({
    max: options.max ?? 50_000,
    ttl: options.ttlMs,
    ttlAutopurge: false,
  })
  let invalidations = 0
  const unsubscribe = store.onInvalidate((event) => {
    invalidations++
    if (event.kind === 'reset') lru.clear()
    else lru.delete(event.key)
  })
  return {
    get(key, now) {
      if (!store.invalidationsLive()) return undefined
      const entry = lru.get(key)
      if (entry === undefined) return undefined
      if (entry.record !== null && entry.record.expiresAt <= now) {
        lru.delete(key)
        return undefined
      }
      return entry.record
    },
    epoch: () => invalidations,
    set(key, record, epoch) {
      if (epoch === invalidations && store.invalidationsLive()) lru.set(key, { record })
    },
    delete: (key) => lru.delete(key),
    close() {
      unsubscribe()
      lru.clear()
    },
  }
}
