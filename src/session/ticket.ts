import { createHash, randomBytes } from 'node:crypto'
import type { Keyring } from '../crypto/keyring.ts'
import { signValue, verifySignedValue } from '../crypto/mac.ts'
import type { SessionKey } from './types.ts'

const ID_BYTES = 24 // 192 bits of randomness
const ID_PATTERN = /^[A-Za-z0-9_-]{32}$/

/** A fresh session id. Never stored as such: the store only sees `sessionKey(id)`. */
export function newSessionId(): string {
  return randomBytes(ID_BYTES).toString('base64url')
}

/** The store key of a session id: a dump of the store cannot be turned back into cookies. */
export function sessionKey(id: string): SessionKey {
  return createHash('sha256').update(id).digest('base64url')
}

/** The cookie value: the id and a MAC, so forged or random cookies cost no store round trip. */
export function issueTicket(keyring: Keyring, id: string): string {
  return signValue(keyring, id)
}

/** The session id inside a cookie value, or undefined when it is malformed or its MAC fails. */
export function readTicket(keyring: Keyring, cookieValue: string | undefined): string | undefined {
  if (cookieValue === undefined || cookieValue.length !== 55) return undefined
  const id = verifySignedValue(keyring, cookieValue)
  return id !== undefined && ID_PATTERN.test(id) ? id : undefined
}
