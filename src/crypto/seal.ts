import { CompactEncrypt, compactDecrypt, decodeProtectedHeader } from 'jose'
import type { Keyring } from './keyring.ts'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * Encrypts a JSON value (AES-256-GCM, compact JWE `dir`) with the keyring's current key. The key
 * id travels in the header so values sealed before a rotation still open.
 */
export async function seal(keyring: Keyring, value: unknown): Promise<string> {
  return new CompactEncrypt(encoder.encode(JSON.stringify(value)))
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: keyring.current.id })
    .encrypt(keyring.current.key)
}

/** Opens a sealed value; undefined when it was tampered with, truncated or sealed with an unknown key. */
export async function unseal(keyring: Keyring, sealed: string): Promise<unknown> {
  try {
    const { kid } = decodeProtectedHeader(sealed)
    const entry = typeof kid === 'string' ? keyring.byId(kid) : undefined
    if (!entry) return undefined
    const { plaintext } = await compactDecrypt(sealed, entry.key, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    })
    return JSON.parse(decoder.decode(plaintext))
  } catch {
    return undefined
  }
}
