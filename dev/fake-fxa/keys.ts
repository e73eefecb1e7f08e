import { randomUUID } from 'node:crypto'
import { exportJWK, type GenerateKeyPairResult, generateKeyPair, type JWK, SignJWT, UnsecuredJWT } from 'jose'

type PrivateKey = GenerateKeyPairResult['privateKey']

import type { SignSetInput } from './types.ts'

/** The fake's signing material: the provider's RS256 key, and an impostor with the same kid. */
export interface SigningKeys {
  readonly kid: string
  /** Private JWK handed to oidc-provider; its public half is served at /v1/jwks. */
  readonly providerJwk: JWK
  readonly providerKey: PrivateKey
  readonly foreignKey: PrivateKey
}

export async function generateSigningKeys(): Promise<SigningKeys> {
  const kid = `fake-fxa-${randomUUID().slice(0, 8)}`
  const [provider, foreign] = await Promise.all([
    generateKeyPair('RS256', { extractable: true }),
    generateKeyPair('RS256'),
  ])
  const providerJwk = { ...(await exportJWK(provider.privateKey)), kid, alg: 'RS256', use: 'sig' }
  return { kid, providerJwk, providerKey: provider.privateKey, foreignKey: foreign.privateKey }
}

/** A Security Event Token as FxA's event broker sends it: no `exp`, `iat` in (fractional) seconds. */
export async function signSecurityEventToken(
  keys: SigningKeys,
  defaults: { iss: string; aud: string },
  input: SignSetInput,
): Promise<string> {
  const claims = {
    iss: input.iss ?? defaults.iss,
    aud: input.aud ?? defaults.aud,
    sub: input.sub,
    iat: input.iat ?? Date.now() / 1000,
    jti: input.jti ?? randomUUID(),
    events: input.events,
  }
  if (input.alg === 'none') return new UnsecuredJWT(claims).encode()
  const key = input.key === 'foreign' ? keys.foreignKey : keys.providerKey
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: keys.kid }).sign(key)
}
