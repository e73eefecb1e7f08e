import { randomUUID } from 'node:crypto'
import { SignJWT } from 'jose'
import { LRUCache } from 'lru-cache'
import { entryBytes, MiB } from '../cache/bytes.ts'
import type { Identity } from '../identity/identity.ts'
import type { PublicJwk, SigningKey } from './keys.ts'

export interface SignedAssertion {
  /** The compact JWS, for the X-User-Assertion header. */
  readonly token: string
  /** When it stops verifying (ms since the epoch). */
  readonly expiresAt: number
}

export interface AssertionSigner {
  /**
   * The assertion for an identity (and the user's node, when the service has nodes); the same token
   * is reused while more than half its lifetime is left.
   */
  assertionFor(identity: Identity, node?: string): Promise<SignedAssertion>
  /** The reusable assertion of an identity when one is signed already (saves a promise on the hot path). */
  cachedFor(identity: Identity, node?: string): SignedAssertion | undefined
  /** The JWK Set to publish: the signing key first, then the other published keys. */
  readonly jwks: { readonly keys: readonly PublicJwk[] }
  /** True when the key was generated at start (no key configured). */
  readonly ephemeral: boolean
}

export interface AssertionSignerOptions {
  readonly key: SigningKey
  /** Public keys published besides the signing key (rotation). */
  readonly published: readonly PublicJwk[]
  readonly issuer: string
  readonly audience: string
  readonly ttlMs: number
  readonly clock: () => number
  readonly ephemeral: boolean
  /** Called once per token actually signed (a metric). */
  readonly onSign?: () => void
  /** Distinct identities whose token is kept; the rest are signed again when they come back. */
  readonly cacheSize?: number
}

interface CachedAssertion {
  readonly node: string | undefined
  readonly assertion: Promise<SignedAssertion>
  readonly refreshAt: number
  /** Set once the signature is done. */
  signed?: SignedAssertion
}

/**
 * The claims that make a token differ: two requests with the same key get the same token. Built from
 * the identity itself, so a changed email or capability never reuses a stale token. A JSON tuple:
 * the user picks the display name, and a joined text would let one set of claims read as another.
 */
function cacheKey(identity: Identity, node: string | undefined): string {
  // A tuple, not joined text: no value can make two identities' keys equal.
  return JSON.stringify([
    node ?? null,
    identity.auth,
    identity.uid,
    identity.email,
    identity.displayName,
    identity.locale,
    identity.aal,
    identity.subscriptions,
    identity.scopes,
    identity.groups ?? null,
    identity.metricsEnabled ?? null,
  ])
}

/**
 * Signs `X-User-Assertion` tokens (a JWT: iss, aud, sub = FxA uid, email, name, capabilities, iat,
 * exp, jti). Signing costs tens of microseconds, so tokens are cached per identity and audience and
 * handed out again until half their lifetime has passed: the hot path signs about once per user per
 * half-lifetime, and a receiver always gets at least half the lifetime to verify it.
 */
export function createAssertionSigner(options: AssertionSignerOptions): AssertionSigner {
  const { key, clock } = options
  const ttlSeconds = Math.max(1, Math.ceil(options.ttlMs / 1000))
  // A token is under 2 KiB; the key holds the identity's claims. Bounded by memory as well.
  const cache = new LRUCache<string, CachedAssertion>({
    max: options.cacheSize ?? 10_000,
    maxSize: 32 * MiB,
    sizeCalculation: (_entry, key) => entryBytes(key, null) + 2048,
  })
  // Identities derived from a cached session are the same object request after request: a fast
  // path that skips building the claims key.
  const byIdentity = new WeakMap<Identity, CachedAssertion>()
  const keys = [key.publicJwk, ...options.published.filter((jwk) => jwk.kid !== key.kid)]

  async function sign(
    identity: Identity,
    node: string | undefined,
    issuedAt: number,
  ): Promise<SignedAssertion> {
    const claims: Record<string, unknown> = {
      capabilities: identity.subscriptions,
      scope: identity.scopes.join(' '),
      auth: identity.auth,
    }
    // No claim is an unknown: an AAL the provider did not assert, a consent it did not state.
    if (identity.aal > 0) claims['aal'] = identity.aal
    if (identity.metricsEnabled !== undefined) claims['metrics_enabled'] = identity.metricsEnabled
    if (identity.groups !== undefined && identity.groups.length > 0) claims['groups'] = identity.groups
    if (identity.email !== null) claims['email'] = identity.email
    if (identity.displayName !== null) claims['name'] = identity.displayName
    if (identity.locale !== null) claims['locale'] = identity.locale
    if (node !== undefined) claims['node'] = node
    const expiresAt = issuedAt + ttlSeconds
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(options.issuer)
      .setAudience(options.audience)
      .setSubject(identity.uid)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .setJti(randomUUID())
      .sign(key.privateKey)
    options.onSign?.()
    return { token, expiresAt: expiresAt * 1000 }
  }

  return {
    jwks: Object.freeze({ keys: Object.freeze(keys) }),
    ephemeral: options.ephemeral,
    assertionFor(identity, node) {
      const now = clock()
      const known = byIdentity.get(identity)
      if (known !== undefined && known.node === node && now < known.refreshAt) return known.assertion
      const id = cacheKey(identity, node)
      let cached = cache.get(id)
      if (cached === undefined || now >= cached.refreshAt) {
        const issuedAt = Math.floor(now / 1000)
        // Concurrent requests of one user share the one signature in flight.
        const assertion = sign(identity, node, issuedAt)
        const entry: CachedAssertion = { node, assertion, refreshAt: (issuedAt + ttlSeconds / 2) * 1000 }
        cache.set(id, entry)
        assertion.then(
          (signed) => {
            entry.signed = signed
          },
          () => {
            cache.delete(id)
            byIdentity.delete(identity)
          },
        )
        cached = entry
      }
      byIdentity.set(identity, cached)
      return cached.assertion
    },
    cachedFor(identity, node) {
      const known = byIdentity.get(identity)
      return known !== undefined && known.node === node && clock() < known.refreshAt
        ? known.signed
        : undefined
    },
  }
}
