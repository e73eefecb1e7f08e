import { createHmac, type KeyObject, timingSafeEqual } from 'node:crypto'
import type { Keyring } from './keyring.ts'

const MAC_BYTES = 16

function mac(key: KeyObject, value: string): Buffer {
  return createHmac('sha256', key).update(value).digest().subarray(0, MAC_BYTES)
}

/** `value.mac` with the current key: a 128-bit HMAC-SHA256 tag, base64url. */
export function signValue(keyring: Keyring, value: string): string {
  return `${value}.${mac(keyring.current.keyObject, value).toString('base64url')}`
}

/**
 * Returns the value when the tag verifies under any key of the ring (constant-time comparison),
 * undefined otherwise.
 */
export function verifySignedValue(keyring: Keyring, signed: string): string | undefined {
  const dot = signed.lastIndexOf('.')
  if (dot <= 0) return undefined
  const value = signed.slice(0, dot)
  const given = Buffer.from(signed.slice(dot + 1), 'base64url')
  if (given.length !== MAC_BYTES) return undefined
  for (const entry of keyring.all) {
    if (timingSafeEqual(given, mac(entry.keyObject, value))) return value
  }
  return undefined
}
