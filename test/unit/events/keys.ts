import { randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair, type JWK, SignJWT, UnsecuredJWT } from 'jose'
import { createProviderKeys, type ProviderKeys } from '../../../src/events/provider-keys.ts'

export const ISSUER = 'https://accounts.example.test'
export const CLIENT = 'client-123'

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey']

export interface TestSigner {
  readonly kid: string
  readonly privateKey: PrivateKey
  readonly publicJwk: JWK
}

export async function newSigner(kid = `k-${randomUUID().slice(0, 8)}`): Promise<TestSigner> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } }
}

/** A JWKS endpoint in memory: what it publishes can change; fetches are counted. No network. */
export function fakeJwksEndpoint(initial: TestSigner[]) {
  let published = initial
  let failing = false
  const endpoint = {
    fetches: 0,
    publish(signers: TestSigner[]) {
      published = signers
    },
    fail(value: boolean) {
      failing = value
    },
    fetch: (async () => {
      endpoint.fetches++
      if (failing) return new Response('down', { status: 503 })
      return Response.json({ keys: published.map((s) => s.publicJwk) })
    }) as typeof fetch,
  }
  return endpoint
}

export function providerKeys(
  endpoint: ReturnType<typeof fakeJwksEndpoint>,
  cooldownMs = 30_000,
): ProviderKeys {
  return createProviderKeys({
    jwksUri: async () => `${ISSUER}/v1/jwks`,
    fetch: endpoint.fetch,
    timeoutMs: 1000,
    cooldownMs,
  })
}

export interface SetClaims {
  sub?: unknown
  aud?: unknown
  iss?: unknown
  iat?: unknown
  jti?: unknown
  exp?: unknown
  events?: unknown
}

/** Signs a SET as FxA does (RS256, kid, typ JWT, no exp), with any claim overridden or removed (undefined). */
export async function signSet(
  signer: TestSigner,
  claims: SetClaims = {},
  header: { alg?: string; typ?: string; kid?: string } = {},
): Promise<string> {
  const payload = setPayload(claims)
  return new SignJWT(payload as Record<string, unknown>)
    .setProtectedHeader({
      alg: header.alg ?? 'RS256',
      typ: header.typ ?? 'JWT',
      kid: header.kid ?? signer.kid,
    })
    .sign(signer.privateKey)
}

export function unsignedSet(claims: SetClaims = {}): string {
  return new UnsecuredJWT(setPayload(claims) as Record<string, unknown>).encode()
}

function setPayload(claims: SetClaims): Record<string, unknown> {
  const base: Record<string, unknown> = {
    iss: ISSUER,
    aud: CLIENT,
    sub: 'uid-1',
    iat: Date.now() / 1000,
    jti: randomUUID(),
    events: { 'https://schemas.accounts.firefox.com/event/password-change': { changeTime: Date.now() } },
  }
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined) delete base[name]
    else base[name] = value
  }
  return base
}
