import { createHash } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import type { Config } from '../config/derive.ts'
import { GateError } from '../errors.ts'
import type { Fetch } from '../identity/http.ts'
import type { Identity } from '../identity/identity.ts'
import type { ProfileFetcher } from '../identity/profile-api.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import { checkWithProvider, fetchTokenProfile } from './provider-check.ts'
import type { TokenResult } from './token-result.ts'
import type { TokenStore } from './token-store.ts'

export interface TokenChecker {
  /**
   * The identity a bearer token stands for; GateError when it is invalid or cannot be checked.
   * `allowedClients` replaces the configured list (a service's own, see services/).
   */
  identify(token: string, allowedClients?: ReadonlySet<string>): Promise<Identity>
  close(): void
}

export interface TokenCheckerDeps {
  readonly config: Config
  readonly store: TokenStore
  readonly fetch: Fetch
  /** Reads the profile a token may see (FxA `/v1/profile`). */
  readonly fetchProfile: ProfileFetcher
  readonly clock: () => number
  readonly metrics: Metrics
  readonly logger: Logger
}

type Local = { result: TokenResult } | { failure: GateError }

export function invalidToken(detail: string): GateError {
  return new GateError('BEARER_INVALID', {
    detail,
    wwwAuthenticate: 'Bearer realm="fxa-gate", error="invalid_token"',
  })
}

/**
 * Checks bearer tokens with the provider once, then serves the result from an in-process LRU and a
 * Redis cache shared by every replica (keyed by sha256 of the token), until the token expires
 * (capped). Concurrent checks of one token share one provider call. Provider failures are
 * remembered briefly so an outage does not turn into a storm. The requirements (active, sub,
 * expiry, allowed clients) are re-checked on every use, cached or not; route requirements
 * (scopes, capabilities) are applied by decide() on the identity.
 */
export function createTokenChecker(deps: TokenCheckerDeps): TokenChecker {
  const { config, store, clock, metrics } = deps
  const local = new LRUCache<string, Local>({ max: 10_000, ttl: 1000, ttlAutopurge: false })
  const inFlight = new Map<string, Promise<TokenResult>>()
  const allowedClients = new Set(config.bearerAllowedClients)
  const identities = new WeakMap<TokenResult, Identity>()
  const unsubscribe = store.onDropUser((uid) => {
    for (const [hash, entry] of local.entries()) {
      if ('result' in entry && entry.result.active && entry.result.sub === uid) local.delete(hash)
    }
  })
  const outcome = (name: string) => metrics.bearerChecks.labels(name)
  const counters = {
    local: outcome('local_hit'),
    shared: outcome('shared_hit'),
    provider: outcome('provider'),
    failed: outcome('provider_failed'),
  }

  function ttlFor(result: TokenResult, now: number): number {
    if (!result.active) return config.bearerNegativeTtl
    return Math.min(result.expiresAt - now, config.bearerCacheMaxTtl)
  }

  async function fromProvider(hash: string, token: string): Promise<TokenResult> {
    const started = clock()
    let result: TokenResult
    try {
      result = await checkWithProvider(config, deps.fetch, token, started)
      if (result.active)
        result = { ...result, profile: await fetchTokenProfile(config, deps.fetchProfile, token, result) }
    } catch (error) {
      counters.failed.inc()
      const failure =
        error instanceof GateError ? error : new GateError('PROVIDER_UNAVAILABLE', { cause: error })
      local.set(hash, { failure }, { ttl: (failure.retryAfterSeconds ?? 5) * 1000 })
      deps.logger.warn({ code: failure.code, detail: failure.detail }, 'bearer token check failed')
      throw failure
    }
    counters.provider.inc()
    const ttl = ttlFor(result, clock())
    if (ttl > 0) {
      local.set(hash, { result }, { ttl: Math.min(ttl, config.sessionCacheTtl || 1000) })
      await store.set(hash, result, ttl).catch((error: GateError) => {
        deps.logger.warn({ code: error.code }, 'could not share a bearer token result')
      })
    }
    return result
  }

  async function resultFor(token: string): Promise<TokenResult> {
    const hash = createHash('sha256').update(token).digest('base64url')
    const cached = local.get(hash)
    if (cached !== undefined) {
      if ('failure' in cached) throw cached.failure
      counters.local.inc()
      return cached.result
    }
    const shared = await store.get(hash)
    if (shared !== undefined) {
      counters.shared.inc()
      local.set(
        hash,
        { result: shared },
        { ttl: Math.min(Math.max(ttlFor(shared, clock()), 1), config.sessionCacheTtl || 1000) },
      )
      return shared
    }
    let pending = inFlight.get(hash)
    if (pending === undefined) {
      pending = fromProvider(hash, token).finally(() => inFlight.delete(hash))
      inFlight.set(hash, pending)
    }
    return pending
  }

  return {
    async identify(token, clients = allowedClients) {
      const result = await resultFor(token)
      if (!result.active) throw invalidToken(result.reason)
      if (result.expiresAt <= clock()) throw invalidToken('expired')
      if (clients.size > 0 && (result.clientId === null || !clients.has(result.clientId))) {
        throw invalidToken('client not allowed')
      }
      let identity = identities.get(result)
      if (identity === undefined) {
        const profile = result.profile
        identity = {
          uid: result.sub,
          email: profile?.email ?? null,
          displayName: profile?.displayName ?? null,
          locale: profile?.locale ?? null,
          avatar: profile?.avatar ?? null,
          subscriptions: profile?.subscriptions ?? [],
          scopes: result.scopes,
          aal: profile?.twoFactor ? 2 : 1,
          auth: 'bearer',
          clientId: result.clientId,
        }
        identities.set(result, identity)
      }
      return identity
    },
    close: () => unsubscribe(),
  }
}
