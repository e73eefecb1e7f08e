import { createHash } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { storeUnavailable } from '../redis/errors.ts'
import type { LuaScript, RedisLayer } from '../redis/layer.ts'

/**
 * Per-user credential high-water marks (Tokenserver's `generation`): the time of the user's last
 * password change (or account deletion, or operator revocation). A credential issued before it is
 * refused even while the provider still calls it active — FxA keeps a confidential client's tokens
 * alive through a password change. Shared by every replica.
 */
export interface CredentialMarkStore {
  /** Raises the mark to `at` (ms); it never goes back. */
  raise(uid: string, at: number): Promise<void>
  /** The mark (ms), or 0 when there is none. */
  read(uid: string): Promise<number>
}

/**
 * A mark is kept as long as a credential issued before it could still be presented as active: FxA
 * access tokens live at most two weeks.
 */
export const MARK_TTL_MS = 31 * 24 * 60 * 60 * 1000

export function createMemoryCredentialMarkStore(clock: () => number = Date.now): CredentialMarkStore {
  const marks = new LRUCache<string, number>({ max: 100_000, ttl: MARK_TTL_MS, perf: { now: clock } })
  return {
    async raise(uid, at) {
      marks.set(uid, Math.max(marks.get(uid) ?? 0, at))
    },
    async read(uid) {
      return marks.get(uid) ?? 0
    },
  }
}

const SCRIPTS = {
  /** KEYS: mark. ARGV: at, ttlMs. Keeps the greater of the stored and the given time (always writes, for WAIT). */
  fxaGateMarkRaise: {
    keys: 1,
    lua: `
local current = 0
if redis.call('TYPE', KEYS[1]).ok == 'string' then current = tonumber(redis.call('GET', KEYS[1])) or 0 end
redis.call('SET', KEYS[1], tostring(math.max(current, tonumber(ARGV[1]))), 'PX', ARGV[2])
return 1`,
  },
  /**
   * KEYS: mark. Returns the mark, or {'!'} after deleting a key that is not a mark (wrong type, not
   * a number): bad data must not make every check of the user's tokens fail.
   */
  fxaGateMarkRead: {
    keys: 1,
    lua: `
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'none' then return false end
if kind == 'string' then
  local value = redis.call('GET', KEYS[1])
  if tonumber(value) then return value end
end
redis.call('DEL', KEYS[1])
if kind == 'string' then return {'!', 'unparsable'} end
return {'!', 'wrong_type'}`,
  },
} as const satisfies Record<string, LuaScript>

/**
 * `<prefix>hw:<sha256(uid)>`: the mark in ms. Raised durably (WAIT): a mark lost in a failover would
 * let tokens issued before a password change through again.
 */
export function createRedisCredentialMarkStore(options: { redis: RedisLayer }): CredentialMarkStore {
  const { redis } = options
  redis.defineScripts(SCRIPTS)
  const markKey = (uid: string) =>
    redis.keys.key('credentialMark', createHash('sha256').update(uid).digest('base64url'))
  return {
    async raise(uid, at) {
      try {
        await redis.durable.write('credential mark', [markKey(uid)], (pipeline, key) => {
          redis.script(pipeline, 'fxaGateMarkRaise', [key], [Math.floor(at), MARK_TTL_MS])
        })
      } catch (error) {
        throw storeUnavailable(error, 'credential mark')
      }
    },
    async read(uid) {
      try {
        const reply = await redis.run('credential mark', () =>
          Promise.resolve(redis.script(redis.commands, 'fxaGateMarkRead', [markKey(uid)], [])),
        )
        if (Array.isArray(reply)) {
          // Whoever can write Redis could as well delete the mark: treating it as absent adds nothing.
          redis.faults.report('credential_mark', reply[1] === 'unparsable' ? 'unparsable' : 'wrong_type')
          return 0
        }
        const value = Number(reply)
        return Number.isFinite(value) && value > 0 ? value : 0
      } catch (error) {
        throw storeUnavailable(error, 'credential mark')
      }
    },
  }
}

/** The marks as a bearer check reads them: from a one-second local cache, dropped when a user is revoked. */
export interface CredentialMarks {
  /** The user's mark, from the local cache when it can (no Redis round trip). */
  of(uid: string): number | Promise<number>
  /** Raises the mark everywhere. */
  raise(uid: string, at: number): Promise<void>
  /** A replica heard that the user was revoked: read the mark again (every mark: undefined). */
  forget(uid: string | undefined): void
}

export function createCredentialMarks(store: CredentialMarkStore, clock: () => number): CredentialMarks {
  // One second: even a missed invalidation cannot keep an old mark longer.
  const cache = new LRUCache<string, number>({ max: 100_000, ttl: 1000, perf: { now: clock } })
  return {
    of(uid) {
      const known = cache.get(uid)
      if (known !== undefined) return known
      return store.read(uid).then((mark) => {
        cache.set(uid, mark)
        return mark
      })
    },
    async raise(uid, at) {
      await store.raise(uid, at)
      cache.delete(uid)
    },
    forget(uid) {
      if (uid === undefined) cache.clear()
      else cache.delete(uid)
    },
  }
}
