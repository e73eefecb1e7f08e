import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto'

export type AssertionAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'RS256'

/** A public key as published in the JWKS: what a service needs to verify an assertion. */
export interface PublicJwk extends JsonWebKey {
  readonly kid: string
  readonly alg: AssertionAlgorithm
  readonly use: 'sig'
}

export interface SigningKey {
  readonly privateKey: KeyObject
  readonly alg: AssertionAlgorithm
  readonly kid: string
  readonly publicJwk: PublicJwk
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g
const CURVES: Record<string, AssertionAlgorithm> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
}
// RFC 7638: the members a thumbprint covers, per key type, in lexicographic order.
const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
}

function algorithmOf(key: KeyObject): AssertionAlgorithm {
  const details = key.asymmetricKeyDetails
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const alg = CURVES[details?.namedCurve ?? '']
      if (alg === undefined) throw new Error(`unsupported EC curve ${details?.namedCurve} (use P-256)`)
      return alg
    }
    case 'ed25519':
      return 'EdDSA'
    case 'rsa':
      if ((details?.modulusLength ?? 0) < 2048) throw new Error('RSA keys need at least 2048 bits')
      return 'RS256'
    default:
      throw new Error(`unsupported key type ${key.asymmetricKeyType} (use an EC P-256 key)`)
  }
}

/** RFC 7638 JWK thumbprint: a kid that every replica derives alike from the same key. */
function thumbprint(jwk: JsonWebKey): string {
  const members = THUMBPRINT_MEMBERS[jwk.kty ?? '']!
  const canonical = `{${members.map((name) => `${JSON.stringify(name)}:${JSON.stringify(jwk[name as keyof JsonWebKey])}`).join(',')}}`
  return createHash('sha256').update(canonical).digest('base64url')
}

function publishable(publicKey: KeyObject, given: { kid?: unknown; alg?: unknown } = {}): PublicJwk {
  const alg = algorithmOf(publicKey)
  if (given.alg !== undefined && given.alg !== alg)
    throw new Error(`the key's alg ${String(given.alg)} does not match its type (${alg})`)
  const jwk = publicKey.export({ format: 'jwk' })
  const kid = typeof given.kid === 'string' && given.kid !== '' ? given.kid : thumbprint(jwk)
  return Object.freeze({ ...jwk, kid, alg, use: 'sig' as const })
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new Error('neither a PEM key nor valid JSON (JWK or JWK Set)')
  }
}

function jwkList(document: unknown): Record<string, unknown>[] {
  if (document === null || typeof document !== 'object') throw new Error('expected a JWK or a JWK Set')
  const keys = (document as { keys?: unknown }).keys
  if (keys === undefined) return [document as Record<string, unknown>]
  if (!Array.isArray(keys) || keys.length === 0) throw new Error('the JWK Set has no keys')
  return keys as Record<string, unknown>[]
}

/**
 * The key that signs assertions: a PKCS#8 / SEC1 PEM private key, a private JWK, or a JWK Set whose
 * first key signs (its other keys are published too, see {@link parsePublicKeys}). Throws with a
 * message fit for a configuration problem.
 */
export function parseSigningKey(text: string): { key: SigningKey; published: PublicJwk[] } {
  const trimmed = text.trim()
  if (trimmed.startsWith('-----BEGIN')) {
    const privateKey = createPrivateKey(trimmed)
    return { key: signingKey(privateKey), published: [] }
  }
  const [first, ...rest] = jwkList(parseJson(trimmed))
  if (first === undefined || typeof first['d'] !== 'string')
    throw new Error('the signing JWK must be a private key (with "d")')
  const privateKey = createPrivateKey({ key: first as JsonWebKey, format: 'jwk' })
  return { key: signingKey(privateKey, first), published: rest.map(publicJwkOf) }
}

function signingKey(privateKey: KeyObject, given?: { kid?: unknown; alg?: unknown }): SigningKey {
  const publicJwk = publishable(createPublicKey(privateKey), given)
  return { privateKey, alg: publicJwk.alg, kid: publicJwk.kid, publicJwk }
}

function publicJwkOf(jwk: Record<string, unknown>): PublicJwk {
  const { d: _private, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicPart } = jwk
  return publishable(createPublicKey({ key: publicPart as JsonWebKey, format: 'jwk' }), jwk)
}

/**
 * Keys published besides the signing key (the previous key after a rotation, or the next one before
 * it): PEM blocks (public or private; only the public part is kept), a JWK, or a JWK Set.
 */
export function parsePublicKeys(text: string): PublicJwk[] {
  const trimmed = text.trim()
  if (trimmed === '') return []
  if (trimmed.startsWith('-----BEGIN')) {
    const blocks = trimmed.match(PEM_BLOCK)
    if (blocks === null) throw new Error('no complete PEM block')
    return blocks.map((pem) => publishable(createPublicKey(pem)))
  }
  return jwkList(parseJson(trimmed)).map(publicJwkOf)
}

/** A fresh P-256 key for a gate started without one: fine for one replica, wrong for several. */
export function generateSigningKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return signingKey(privateKey)
}

/** The problem with a key setting, or undefined when it parses (for configuration validation). */
export function keyProblem(parse: (text: string) => unknown, text: string): string | undefined {
  try {
    parse(text)
    return undefined
  } catch (error) {
    const message = (error as Error).message
    // Never echo key material back: OpenSSL's messages name the failure, not the input.
    return message.split('\n')[0]!.slice(0, 200)
  }
}
