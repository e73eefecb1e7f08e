import { createHash } from 'node:crypto'
import type { SessionKey } from './types.ts'

/**
 * The Redis key layout. Session and user-index keys deliberately hash to different cluster slots:
 * nothing ever touches two of them in one command. The two keys of the token reaper share a hash
 * tag (`{tr}`) because one script moves entries between them.
 */
export interface RedisKeys {
  /** Hash with the record (`r`) and its absolute deadline (`x`). */
  session(key: SessionKey): string
  /** Set of the user's session keys. */
  userIndex(uid: string): string
  /** Pub/sub channel; each message is one session key. */
  readonly invalidations: string
  /** A session's revalidation lock: nobody else refreshes it while the key lives. */
  revalidationLock(key: SessionKey): string
  /** Sorted set: session key → when to look at it next (has it ended? destroy its tokens). */
  readonly reaperSchedule: string
  /** Hash: session key → its sealed provider tokens and failed destruction attempts. */
  readonly reaperTokens: string
  /**
   * The user's credential high-water mark (ms): credentials issued before it are refused. Named by
   * a hash of the uid, because it outlives the user's deletion.
   */
  credentialMark(uid: string): string
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    session: (key) => `${prefix}s:${key}`,
    userIndex: (uid) => `${prefix}u:${uid}`,
    invalidations: `${prefix}invalidate`,
    revalidationLock: (key) => `${prefix}rv:${key}`,
    reaperSchedule: `${prefix}{tr}:due`,
    reaperTokens: `${prefix}{tr}:tokens`,
    credentialMark: (uid) => `${prefix}hw:${createHash('sha256').update(uid).digest('base64url')}`,
  }
}
