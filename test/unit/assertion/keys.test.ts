import { generateKeyPairSync } from 'node:crypto'
import { calculateJwkThumbprint } from 'jose'
import { describe, expect, it } from 'vitest'
import {
  generateSigningKey,
  keyProblem,
  parsePublicKeys,
  parseSigningKey,
} from '../../../src/assertion/keys.ts'
import { loadConfig } from '../../../src/config/load.ts'

const ec = () => generateKeyPairSync('ec', { namedCurve: 'P-256' })
const pkcs8 = (key: ReturnType<typeof ec>['privateKey']) =>
  key.export({ format: 'pem', type: 'pkcs8' }).toString()

describe('the signing key', () => {
  it('reads a PKCS#8 PEM P-256 key as ES256, with the RFC 7638 thumbprint as kid', async () => {
    const { privateKey, publicKey } = ec()
    const { key, published } = parseSigningKey(pkcs8(privateKey))
    expect(key.alg).toBe('ES256')
    expect(key.kid).toBe(await calculateJwkThumbprint(publicKey.export({ format: 'jwk' }) as never))
    expect(key.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: key.kid })
    expect(key.publicJwk).not.toHaveProperty('d')
    expect(published).toEqual([])
  })

  it('reads a SEC1 PEM too', () => {
    expect(parseSigningKey(ec().privateKey.export({ format: 'pem', type: 'sec1' }).toString()).key.alg).toBe(
      'ES256',
    )
  })

  it('reads a private JWK, keeping its kid', () => {
    const jwk = { ...ec().privateKey.export({ format: 'jwk' }), kid: 'key-2026-01' }
    expect(parseSigningKey(JSON.stringify(jwk)).key.kid).toBe('key-2026-01')
  })

  it('reads a JWK Set whose first key signs and whose other keys are published (public part only)', () => {
    const [first, second] = [ec(), ec()]
    const set = {
      keys: [first.privateKey.export({ format: 'jwk' }), second.privateKey.export({ format: 'jwk' })],
    }
    const { key, published } = parseSigningKey(JSON.stringify(set))
    expect(key.publicJwk.x).toBe(first.publicKey.export({ format: 'jwk' }).x)
    expect(published).toHaveLength(1)
    expect(published[0]).not.toHaveProperty('d')
    expect(published[0]!.x).toBe(second.publicKey.export({ format: 'jwk' }).x)
  })

  it('supports Ed25519 (EdDSA) and RSA ≥ 2048 bits (RS256)', () => {
    const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
    expect(parseSigningKey(ed).key.alg).toBe('EdDSA')
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString()
    expect(parseSigningKey(rsa).key.alg).toBe('RS256')
  })

  it.each([
    [
      'a 1024-bit RSA key',
      () =>
        generateKeyPairSync('rsa', { modulusLength: 1024 })
          .privateKey.export({ format: 'pem', type: 'pkcs8' })
          .toString(),
    ],
    [
      'a secp256k1 key',
      () =>
        generateKeyPairSync('ec', { namedCurve: 'secp256k1' })
          .privateKey.export({ format: 'pem', type: 'pkcs8' })
          .toString(),
    ],
    ['a public key', () => ec().publicKey.export({ format: 'pem', type: 'spki' }).toString()],
    ['a public JWK', () => JSON.stringify(ec().publicKey.export({ format: 'jwk' }))],
    ['garbage', () => 'not a key'],
    ['a truncated PEM', () => pkcs8(ec().privateKey).slice(0, 100)],
    ['an empty JWK Set', () => '{"keys":[]}'],
  ])('refuses %s', (_name, material) => {
    expect(() => parseSigningKey(material())).toThrow()
  })

  it('generates a P-256 key when none is configured', () => {
    expect(generateSigningKey().alg).toBe('ES256')
  })
})

describe('the other published keys', () => {
  it('read several PEM blocks, public or private, and keep only public parts', () => {
    const [a, b] = [ec(), ec()]
    const text = `${a.publicKey.export({ format: 'pem', type: 'spki' })}\n${pkcs8(b.privateKey)}`
    const keys = parsePublicKeys(text)
    expect(keys.map((key) => key.x)).toEqual([
      a.publicKey.export({ format: 'jwk' }).x,
      b.publicKey.export({ format: 'jwk' }).x,
    ])
    for (const key of keys) expect(key).not.toHaveProperty('d')
  })

  it('read a JWK Set, and nothing from an empty value', () => {
    const set = { keys: [ec().publicKey.export({ format: 'jwk' })] }
    expect(parsePublicKeys(JSON.stringify(set))).toHaveLength(1)
    expect(parsePublicKeys('  ')).toEqual([])
  })
})

describe('key settings in the configuration', () => {
  const base = {
    FXA_GATE_CLIENT_ID: 'c',
    FXA_GATE_PUBLIC_URL: 'https://gate.example.org',
    FXA_GATE_COOKIE_SECRETS: 'x'.repeat(32),
  }

  it('are reported as problems, without echoing key material', () => {
    const secretLooking = `-----BEGIN PRIVATE KEY-----\nTOPSECRETMATERIAL\n-----END PRIVATE KEY-----`
    const result = loadConfig({
      env: {
        ...base,
        FXA_GATE_ASSERTION_KEY: secretLooking,
        FXA_GATE_ASSERTION_PREVIOUS_KEYS: 'nope',
        FXA_GATE_ASSERTION_TTL: '1s',
      },
      readFile: () => '',
    })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.problems.map((problem) => problem.key).sort()).toEqual([
      'assertionKey',
      'assertionPreviousKeys',
      'assertionTtl',
    ])
    expect(JSON.stringify(result.problems)).not.toContain('TOPSECRET')
  })

  it('accept a key given as a file (…_FILE)', () => {
    const pem = pkcs8(ec().privateKey)
    const result = loadConfig({
      env: { ...base, FXA_GATE_ASSERTION_KEY_FILE: '/run/secrets/key' },
      readFile: () => pem,
    })
    expect(result.ok).toBe(true)
  })

  it('keyProblem names the failure in one short line', () => {
    expect(keyProblem(parseSigningKey, 'x'.repeat(5000))?.length).toBeLessThanOrEqual(200)
  })
})
