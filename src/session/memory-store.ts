import type { Invalidation, SessionKey, SessionRecord, SessionStore } from './types.ts'

export interface MemorySessionStoreOptions {
  /** ms since the epoch; default Date.now. */
  clock?: () => number
  /** At this many sessions, creating one evicts the session closest to expiry. Default 100,000. */
  maxSessions?: number
  /** How often expired sessions are swept out. Default 60 s. */
  sweepIntervalMs?: number
}

interface Entry {
  readonly record: SessionRecord
  /** When it ends: the idle deadline, never past `record.expiresAt`. */
  endsAt: number
}

/**
 * Sessions in this process only (a single replica). Same semantics as the Redis store; invalidations
 * reach listeners synchronously.
 */
export function createMemorySessionStore(options: MemorySessionStoreOptions = {}): SessionStore {
  const clock = options.clock ?? Date.now
  const maxSessions = options.maxSessions ?? 100_000
  const sessions = new Map<SessionKey, Entry>()
  const byUser = new Map<string, Set<SessionKey>>()
  const listeners = new Set<(event: Invalidation) => void>()

  const emit = (key: SessionKey): void => {
    for (const listener of listeners) {
      try {
        listener({ kind: 'session', key })
      } catch {
        // A failing cache must not stop the others from hearing about the change.
      }
    }
  }
  const remove = (key: SessionKey, entry: Entry): void => {
    sessions.delete(key)
    const index = byUser.get(entry.record.uid)
    index?.delete(key)
    if (index?.size === 0) byUser.delete(entry.record.uid)
  }
  /** The live entry, after dropping it if it has ended. */
  const live = (key: SessionKey): Entry | undefined => {
    const entry = sessions.get(key)
    if (entry && entry.endsAt <= clock()) {
      remove(key, entry)
      return undefined
    }
    return entry
  }
  const sweep = (): void => {
    const now = clock()
    for (const [key, entry] of sessions) if (entry.endsAt <= now) remove(key, entry)
  }
  const makeRoom = (): void => {
    if (sessions.size < maxSessions) return
    sweep()
    while (sessions.size >= maxSessions) {
      let soonest: [SessionKey, Entry] | undefined
      for (const item of sessions) if (!soonest || item[1].endsAt < soonest[1].endsAt) soonest = item
      if (!soonest) return
      remove(...soonest)
    }
  }

  const timer = setInterval(sweep, options.sweepIntervalMs ?? 60_000)
  timer.unref()

  return {
    shared: false,

    async create(key, record, idleMs) {
      const existing = sessions.get(key)
      if (existing) remove(key, existing)
      const endsAt = Math.min(clock() + idleMs, record.expiresAt)
      if (endsAt <= clock()) return
      makeRoom()
      sessions.set(key, { record: structuredClone(record), endsAt })
      const index = byUser.get(record.uid) ?? new Set()
      byUser.set(record.uid, index.add(key))
    },

    async get(key, idleMs) {
      const entry = live(key)
      if (!entry) return null
      entry.endsAt = Math.min(clock() + idleMs, entry.record.expiresAt)
      return structuredClone(entry.record)
    },

    async peek(key) {
      const entry = live(key)
      return entry ? structuredClone(entry.record) : null
    },

    async inspect(key) {
      const entry = live(key)
      return entry ? { record: structuredClone(entry.record), endsAt: entry.endsAt } : null
    },

    async update(key, record, expect) {
      const entry = live(key)
      if (entry && expect !== undefined && entry.record.tokens !== expect.tokens) return false
      if (entry) {
        remove(key, entry)
        const endsAt = Math.min(entry.endsAt, record.expiresAt)
        if (endsAt > clock()) {
          sessions.set(key, { record: structuredClone(record), endsAt })
          const index = byUser.get(record.uid) ?? new Set()
          byUser.set(record.uid, index.add(key))
        }
      }
      emit(key)
      return entry !== undefined && sessions.has(key)
    },

    async delete(key) {
      const entry = live(key)
      if (entry) remove(key, entry)
      emit(key)
      return entry ? structuredClone(entry.record) : null
    },

    async listByUser(uid) {
      return [...(byUser.get(uid) ?? [])].filter((key) => live(key) !== undefined)
    },

    async deleteByUser(uid, before) {
      const ended: SessionKey[] = []
      for (const key of [...(byUser.get(uid) ?? [])]) {
        const entry = live(key)
        if (!entry || (before !== undefined && entry.record.loginAt >= before)) continue
        remove(key, entry)
        ended.push(key)
      }
      for (const key of ended) emit(key)
      return ended
    },

    onInvalidate(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },

    invalidationsLive: () => true,

    async ping() {},

    async close() {
      clearInterval(timer)
      listeners.clear()
    },
  }
}
