import { createHmac, type KeyObject, timingSafeEqual } from 'node:crypto'
import type { Keyring } from './keyring.ts'

function tag(key: KeyObject, binding: string, text: string): Buffer {
  return createHmac('sha256', key).update(binding).update('\n').update(text).digest()
}

/**
 * `<key id>.<HMAC-SHA256(binding \n text)>` with the keyring's current key. `binding` is where the
 * text is stored (its Redis key id), so a record copied under another key does not verify.
 */
export function recordMac(keyring: Keyring, binding: string, text: string): string {
  const { id, keyObject } = keyring.current
  return `${id}.${tag(keyObject, binding, text).toString('base64url')}`
}

/** Whether `mac` was made by `recordMac` for this binding and text with any key of the ring. */
export function verifyRecordMac(keyring: Keyring, binding: string, text: string, mac: string): boolean {
  const dot = mac.indexOf('.')
  const entry = dot > 0 ? keyring.byId(mac.slice(0, dot)) : undefined
  if (entry === undefined) return false
  const given = Buffer.from(mac.slice(dot + 1), 'base64url')
  const expected = tag(entry.keyObject, binding, text)
  return given.length === expected.length && timingSafeEqual(given, expected)
}
