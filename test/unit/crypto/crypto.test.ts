import { describe, expect, it } from 'vitest'
import { deriveKeyring } from '../../../src/crypto/keyring.ts'
import { signValue, verifySignedValue } from '../../../src/crypto/mac.ts'
import { seal, unseal } from '../../../src/crypto/seal.ts'

const OLD = 'o'.repeat(32)
const NEW = 'n'.repeat(32)

describe('keyrings', () => {
  it('derive different keys for different purposes from the same secret', () => {
    const a = deriveKeyring([OLD], 'session-cookie').current.key
    const b = deriveKeyring([OLD], 'token-seal').current.key
    expect(a.equals(b)).toBe(false)
  })
})

describe('signed values', () => {
  it('verify under the key that signed them and after rotation', () => {
    const before = deriveKeyring([OLD], 'session-cookie')
    const after = deriveKeyring([NEW, OLD], 'session-cookie')
    const signed = signValue(before, 'abc')
    expect(verifySignedValue(before, signed)).toBe('abc')
    expect(verifySignedValue(after, signed)).toBe('abc')
    expect(verifySignedValue(deriveKeyring([NEW], 'session-cookie'), signed)).toBeUndefined()
  })

  it('refuse tampered values and tags', () => {
    const ring = deriveKeyring([OLD], 'session-cookie')
    const signed = signValue(ring, 'abc')
    expect(verifySignedValue(ring, signed.replace('abc', 'abd'))).toBeUndefined()
    expect(verifySignedValue(ring, `${signed.slice(0, -1)}A`)).not.toBe('abc')
    for (const junk of ['', '.', 'abc', 'abc.', '.abc', 'a.b.c', 'abc.%%%'])
      expect(verifySignedValue(ring, junk)).toBeUndefined()
  })
})

describe('sealed values', () => {
  it('round-trip and survive key rotation', async () => {
    const before = deriveKeyring([OLD], 'token-seal')
    const sealed = await seal(before, { accessToken: 'secret-token' })
    expect(sealed).not.toContain('secret-token')
    expect(await unseal(deriveKeyring([NEW, OLD], 'token-seal'), sealed)).toEqual({
      accessToken: 'secret-token',
    })
  })

  it('open to undefined when tampered, truncated or sealed with an unknown key', async () => {
    const ring = deriveKeyring([OLD], 'token-seal')
    const sealed = await seal(ring, { a: 1 })
    const parts = sealed.split('.')
    parts[3] = parts[3]!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))
    expect(await unseal(ring, parts.join('.'))).toBeUndefined()
    expect(await unseal(ring, sealed.slice(0, -5))).toBeUndefined()
    expect(await unseal(deriveKeyring([NEW], 'token-seal'), sealed)).toBeUndefined()
    expect(await unseal(ring, 'garbage')).toBeUndefined()
  })
})
