import { randomUUID } from 'node:crypto'
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose'
import type { AssertionSigners } from '../assertion/setup.ts'
import type { Identity } from '../identity/identity.ts'
import type { Service } from './registry.ts'

/**
 * The JWT header type of service tokens (RFC 9068 JWT access tokens). X-User-Assertion is `JWT`:
 * both carry the service's audience, and the type keeps one from being taken for the other.
 */
export const SERVICE_TOKEN_TYPE = 'at+jwt'

export interface ServiceToken {
  readonly token: string
  readonly expiresIn: number
}

/** What a service token says, once verified. */
export interface ServiceTokenClaims {
  readonly sub: string
  readonly iat: number
  readonly exp: number
  readonly node: string | undefined
  readonly clientId: string | undefined
  readonly scope: string | undefined
}

/**
 * Signs and verifies service tokens with the assertion key: iss = the public URL, aud = the
 * service's audience, sub = the uid, lifetime the service's tokenTtl, the node when it has one.
 */
export function createServiceTokens(signers: AssertionSigners, gateClientId: string, clock: () => number) {
  // Keys are read at each use: a secret rotation swaps them at run time. The verifying key set is
  // rebuilt once per published set.
  let published = signers.jwks
  let keySet = createLocalJWKSet({ keys: [...published.keys] })
  // Every published key verifies (a rotation's previous key included), each with its own algorithm.
  let algorithms = [...new Set(published.keys.map((jwk) => jwk.alg))]
  const verifying = () => {
    if (signers.jwks !== published) {
      published = signers.jwks
      keySet = createLocalJWKSet({ keys: [...published.keys] })
      algorithms = [...new Set(published.keys.map((jwk) => jwk.alg))]
    }
    return { keySet, algorithms }
  }
  return {
    async issue(service: Service, identity: Identity, node: string | undefined): Promise<ServiceToken> {
      const { key, issuer } = signers
      const issuedAt = Math.floor(clock() / 1000)
      const expiresIn = Math.max(1, Math.floor(service.tokenTtlMs / 1000))
      const claims: Record<string, unknown> = {
        client_id: identity.auth === 'bearer' ? (identity.clientId ?? undefined) : gateClientId,
        auth: identity.auth,
      }
      if (identity.auth === 'bearer') claims['scope'] = identity.scopes.join(' ')
      if (node !== undefined) claims['node'] = node
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: SERVICE_TOKEN_TYPE })
        .setIssuer(issuer)
        .setAudience(service.audience)
        .setSubject(identity.uid)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + expiresIn)
        .setJti(randomUUID())
        .sign(key.privateKey)
      return { token, expiresIn }
    },

    /** The claims of a token made for `service`, or undefined when it is not one (any reason). */
    async verify(service: Service, token: string): Promise<ServiceTokenClaims | undefined> {
      try {
        const { keySet, algorithms } = verifying()
        const { payload } = await jwtVerify(token, keySet, {
          issuer: signers.issuer,
          audience: service.audience,
          typ: SERVICE_TOKEN_TYPE,
          algorithms,
          requiredClaims: ['sub', 'iat', 'exp', 'jti'],
          currentDate: new Date(clock()),
        })
        const text = (value: unknown) => (typeof value === 'string' ? value : undefined)
        return {
          sub: payload.sub!,
          iat: payload.iat!,
          exp: payload.exp!,
          node: text(payload['node']),
          clientId: text(payload['client_id']),
          scope: text(payload['scope']),
        }
      } catch {
        return undefined
      }
    },
  }
}

export type ServiceTokens = ReturnType<typeof createServiceTokens>
