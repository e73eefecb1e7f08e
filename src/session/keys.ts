import type { SessionKey } from './types.ts'

/**
 * The Redis key layout. Session and user-index keys deliberately hash to different cluster slots:
 * nothing ever touches two of them in one command.
 */
export interface RedisKeys {
  /** Hash with the record (`r`) and its absolute deadline (`x`). */
  session(key: SessionKey): string
  /** Set of the user's session keys. */
  userIndex(uid: string): string
  /** Pub/sub channel; each message is one session key. */
  readonly invalidations: string
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    session: (key) => `${prefix}s:${key}`,
    userIndex: (uid) => `${prefix}u:${uid}`,
    invalidations: `${prefix}invalidate`,
  }
}
