import { createHmac, timingSafeEqual } from 'node:crypto'
import type { DerivedKey, Keyring } from '../crypto/keyring.ts'
import type { SessionKey } from '../session/types.ts'

/** 128 bits, base64url: an id a user's page and API client can name a session by. */
const HANDLE_PATTERN = /^[A-Za-z0-9_-]{22}$/

export interface SessionHandles {
  /**
   * The public id of a session: an HMAC of its store key under a key of its own, so it is neither
   * the cookie nor the Redis key, and cannot be turned into either.
   */
  of(key: SessionKey): string
  /** Whether `handle` names `key` (constant-time). */
  matches(handle: string, key: SessionKey): boolean
  /** Whether a client's value has the form of a handle at all. */
  wellFormed(handle: unknown): handle is string
}

const handleUnder = (secret: DerivedKey, key: SessionKey) =>
  createHmac('sha256', secret.keyObject).update(key).digest().subarray(0, 16).toString('base64url')

/**
 * `keyring` is read at each call (secrets rotate at run time): ids are made with the current key,
 * and an id a page showed before a rotation still names its session while its secret is listed.
 */
export function createSessionHandles(keyring: () => Keyring): SessionHandles {
  return {
    of: (key) => handleUnder(keyring().current, key),
    matches(handle, key) {
      const given = Buffer.from(handle)
      let found = false
      for (const secret of keyring().all) {
        const expected = Buffer.from(handleUnder(secret, key))
        // Every key is tried, so the time does not tell which one matched.
        if (given.length === expected.length && timingSafeEqual(given, expected)) found = true
      }
      return found
    },
    wellFormed: (handle): handle is string => typeof handle === 'string' && HANDLE_PATTERN.test(handle),
  }
}
