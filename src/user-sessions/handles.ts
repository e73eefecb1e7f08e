import { createHmac, timingSafeEqual } from 'node:crypto'
import type { Keyring } from '../crypto/keyring.ts'
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

export function createSessionHandles(keyring: Keyring): SessionHandles {
  const of = (key: SessionKey) =>
    createHmac('sha256', keyring.current.keyObject).update(key).digest().subarray(0, 16).toString('base64url')
  return {
    of,
    matches(handle, key) {
      const given = Buffer.from(handle)
      const expected = Buffer.from(of(key))
      return given.length === expected.length && timingSafeEqual(given, expected)
    },
    wellFormed: (handle): handle is string => typeof handle === 'string' && HANDLE_PATTERN.test(handle),
  }
}
