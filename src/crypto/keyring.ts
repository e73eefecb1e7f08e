import { createHash, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto'

/** A key for one purpose, with a short id so a rotated-out key can still be found. */
export interface DerivedKey {
  readonly id: string
  readonly key: Buffer
  /** The same key as a KeyObject: HMACs with it skip per-call key import (hot path). */
  readonly keyObject: KeyObject
}

/** Keys for one purpose: the first is used to sign or seal, all are tried to verify or open. */
export interface Keyring {
  readonly current: DerivedKey
  readonly all: readonly DerivedKey[]
  byId(id: string): DerivedKey | undefined
}

export type KeyPurpose =
  | 'session-cookie'
  | 'token-seal'
  | 'login-state'
  | 'session-record'
  | 'token-cache'
  | 'session-handle'
  | 'denial-note'

/**
 * Derives a keyring for one purpose from the operator's cookie secrets with HKDF-SHA256, so one
 * list of secrets serves several purposes without any key being used for two of them.
 */
export function deriveKeyring(secrets: readonly string[], purpose: KeyPurpose): Keyring {
  if (secrets.length === 0) throw new Error('at least one secret is required')
  const all = secrets.map((secret) => {
    const key = Buffer.from(hkdfSync('sha256', secret, 'fxa-gate', `fxa-gate ${purpose} v1`, 32))
    const id = createHash('sha256').update(key).digest('base64url').slice(0, 8)
    return { id, key, keyObject: createSecretKey(key) }
  })
  const byId = new Map(all.map((entry) => [entry.id, entry]))
  return { current: all[0]!, all, byId: (id) => byId.get(id) }
}
