import { createHash } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { entryBytes, MiB } from '../cache/bytes.ts'
import type { Config } from '../config/derive.ts'
import { GateError } from '../errors.ts'
import type { Fetch } from '../identity/http.ts'
import type { Identity } from '../identity/identity.ts'
import type { ProfileFetcher } from '../identity/profile-api.ts'
import { errorFields } from '../observability/error-fields.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import { createCheckBudget } from './check-budget.ts'
import { createCircuitBreaker } from './circuit-breaker.ts'
import type { CredentialMarks } from './credential-marks.ts'
import { checkWithProvider, fetchTokenProfile } from './provider-check.ts'
import type { TokenResult } from './token-result.ts'
import type { TokenStore } from './token-store.ts'

export interface IdentifyOptions {
  /** The client address whose budget checks of unknown tokens come from (http/client-address.ts). */
  readonly client?: string | undefined
  /** The OAuth clients accepted instead of the configured list (a service's own). */
  readonly allowedClients?: ReadonlySet<string> | undefined
}

export interface TokenChecker {
  /**
   * The identity a bearer token stands for; GateError when it is invalid or cannot be checked.
   * `client` (see http/client-address.ts) rations the provider checks of tokens not yet known;
   * `allowedClients` replaces the configured list (a service's own, see services/).
   */
  identify(token: string, options?: IdentifyOptions): Promise<Identity>
  /**
   * The same from this replica's memory alone: undefined when the token's result is not held here
   * (then `identify` reads the shared cache or asks the provider).
   */
  identifyNow(token: string, options?: IdentifyOptions): Identity | undefined
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
  /** Per-user high-water marks: a token issued before the user's last password change is refused. */
  readonly marks?: CredentialMarks | undefined
}

type Refused = { result: TokenResult & { active: false } } | { failure: GateError }

/**
 * Tokens remembered as invalid (or failed) in this process. Never shared: a flood of made-up tokens
 * would otherwise be a Redis key each. An entry is a hash and a small object: ~200 bytes.
 */
const MAX_REFUSED = 20_000

export function invalidToken(detail: string): GateError {
  return new GateError('BEARER_INVALID', {
    detail,
    wwwAuthenticate: 'Bearer realm="fxa-gate", error="invalid_token"',
  })
}

/**
 * Checks bearer tokens with the provider once, then serves the result from an in-process LRU and a
 * Redis cache shared by every replica (keyed by sha256 of the token), until the token expires
 * (capped). Concurrent checks of one token share one provider call. Invalid tokens and failed
 * checks are remembered in this process only, in bounded memory. Checks of tokens not yet known
 * are rationed per client and overall, and stop while the provider asks for a back-off (circuit
 * breaker); tokens already known never wait for either. The requirements (active, sub, expiry,
 * allowed clients) are re-checked on every use, cached or not; route requirements (scopes,
 * capabilities) are applied by decide() on the identity.
 */
export function createTokenChecker(deps: TokenCheckerDeps): TokenChecker {
  const { config, store, clock, metrics } = deps
  // Bounded by memory (a profile can be large) as well as by count.
  const local = new LRUCache<string, { result: TokenResult }>({
    max: 10_000,
    maxSize: 16 * MiB,
    sizeCalculation: (entry, hash) => entryBytes(hash, entry.result),
    ttl: 1000,
    ttlAutopurge: false,
  })
  const refused = new LRUCache<string, Refused>({
    max: MAX_REFUSED,
    maxSize: 8 * MiB,
    // A remembered failure is a GateError shared by the hashes it refused: its key is what it costs.
    sizeCalculation: (entry, hash) => entryBytes(hash, 'result' in entry ? entry.result : null),
    ttl: 1000,
    ttlAutopurge: false,
  })
  const inFlight = new Map<string, Promise<TokenResult>>()
  const allowedClients = new Set(config.bearerAllowedClients)
  const identities = new WeakMap<TokenResult, Identity>()
  const budget = createCheckBudget({
    overall: { rate: config.bearerCheckRate, burst: config.bearerCheckBurst },
    perClient: { rate: config.bearerCheckRatePerClient, burst: config.bearerCheckBurstPerClient },
    clock,
  })
  const breaker = createCircuitBreaker(clock)
  // A uid: that user's results were dropped; undefined: drops may have been missed, drop them all.
  // (Refused results stay: a revocation never makes an invalid token valid.)
  const unsubscribe = store.onDropUser((uid) => {
    deps.marks?.forget(uid)
    if (uid === undefined) {
      local.clear()
      return
    }
    for (const [hash, entry] of local.entries()) {
      if (entry.result.active && entry.result.sub === uid) local.delete(hash)
    }
  })
  const outcome = (name: string) => metrics.bearerChecks.labels(name)
  const counters = {
    local: outcome('local_hit'),
    shared: outcome('shared_hit'),
    provider: outcome('provider'),
    failed: outcome('provider_failed'),
    rationed: outcome('rationed'),
    breakerOpen: outcome('breaker_open'),
    cacheHit: metrics.cacheHits.labels('bearer'),
    cacheMiss: metrics.cacheMisses.labels('bearer'),
  }

  function ttlFor(result: TokenResult, now: number): number {
    if (!result.active) return config.bearerNegativeTtl
    return Math.min(result.expiresAt - now, config.bearerCacheMaxTtl)
  }

  /**
   * Lets one provider call go out, or throws: the client's or everyone's budget is spent, or the
   * breaker is open. Returns what gives the reserved check back.
   */
  function admit(client: string | undefined): () => void {
    let giveBack: () => void
    try {
      giveBack = budget.reserve(client)
    } catch (error) {
      counters.rationed.inc()
      throw error
    }
    try {
      breaker.admit()
    } catch (error) {
      giveBack() // no call went out
      counters.breakerOpen.inc()
      throw error
    }
    return giveBack
  }

  async function fromProvider(hash: string, token: string, client: string | undefined): Promise<TokenResult> {
    // Rationed and breaker answers belong to the moment, not to the token: not remembered.
    const giveBack = admit(client)
    let result: TokenResult
    try {
      result = await checkWithProvider(config, deps.fetch, token, clock())
      breaker.succeeded()
      if (result.active) {
        giveBack()
        result = { ...result, profile: await fetchTokenProfile(config, deps.fetchProfile, token, result) }
      }
    } catch (error) {
      counters.failed.inc()
      const failure =
        error instanceof GateError ? error : new GateError('PROVIDER_UNAVAILABLE', { cause: error })
      const seconds = failure.retryAfterSeconds ?? Math.ceil(config.bearerFailureTtl / 1000)
      if (failure.code === 'PROVIDER_THROTTLED') breaker.throttled(seconds)
      else breaker.failed(seconds)
      refused.set(hash, { failure }, { ttl: seconds * 1000 })
      deps.logger.warn(errorFields(failure), 'bearer token check failed')
      throw failure
    }
    counters.provider.inc()
    const ttl = ttlFor(result, clock())
    if (!result.active) {
      refused.set(hash, { result }, { ttl })
    } else if (ttl > 0) {
      local.set(hash, { result }, { ttl: Math.min(ttl, config.sessionCacheTtl || 1000) })
      await store.set(hash, result, ttl).catch((error: GateError) => {
        deps.logger.warn(errorFields(error), 'could not share a bearer token result')
      })
    }
    return result
  }

  /** The result this replica holds in memory for a token's hash (a remembered failure throws). */
  function localResult(hash: string): TokenResult | undefined {
    const cached = local.get(hash)
    if (cached !== undefined) {
      // In-process copies serve only while drops (revocations) are provably heard.
      if (store.live()) {
        counters.local.inc()
        counters.cacheHit.inc()
        return cached.result
      }
    }
    const no = refused.get(hash)
    if (no !== undefined) {
      if ('failure' in no) throw no.failure
      counters.local.inc()
      counters.cacheHit.inc()
      return no.result
    }
    return undefined
  }

  async function resultFor(hash: string, token: string, client: string | undefined): Promise<TokenResult> {
    counters.cacheMiss.inc()
    const shared = await store.get(hash)
    if (shared !== undefined) {
      counters.shared.inc()
      const ttl = Math.min(Math.max(ttlFor(shared, clock()), 1), config.sessionCacheTtl || 1000)
      if (shared.active) local.set(hash, { result: shared }, { ttl })
      else refused.set(hash, { result: shared }, { ttl })
      return shared
    }
    let pending = inFlight.get(hash)
    if (pending === undefined) {
      pending = fromProvider(hash, token, client).finally(() => inFlight.delete(hash))
      inFlight.set(hash, pending)
    }
    return pending
  }

  function identityOf(result: TokenResult, clients: ReadonlySet<string>): Identity {
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
        // What the provider asserted about this token, never the account's 2FA status.
        aal: result.aal ?? 0,
        auth: 'bearer',
        clientId: result.clientId,
        ...(profile?.metricsEnabled === undefined ? {} : { metricsEnabled: profile.metricsEnabled }),
      }
      identities.set(result, identity)
    }
    return identity
  }

  /**
   * Refuses a token issued before the user's credential high-water mark (a password change since),
   * even while the provider calls it active. A promise when the mark is not in memory.
   */
  function checkMark(result: TokenResult): Promise<void> | undefined {
    if (deps.marks === undefined || !result.active) return undefined
    const issued = result.issuedAt ?? result.generation
    if (issued === undefined) return undefined
    const refuseBefore = (mark: number) => {
      if (mark > 0 && issued < mark) {
        metrics.credentialMarkRefusals.inc()
        throw invalidToken('issued before the last password change')
      }
    }
    const mark = deps.marks.of(result.sub)
    if (typeof mark !== 'number') return mark.then(refuseBefore)
    refuseBefore(mark)
    return undefined
  }

  const hashOf = (token: string) => createHash('sha256').update(token).digest('base64url')

  return {
    identifyNow(token, options = {}) {
      const result = localResult(hashOf(token))
      if (result === undefined) return undefined
      const identity = identityOf(result, options.allowedClients ?? allowedClients)
      // The user's mark from memory, or the slow path decides (on the read begun here).
      const marked = checkMark(result)
      if (marked === undefined) return identity
      marked.catch(() => undefined)
      return undefined
    },
    async identify(token, options = {}) {
      const hash = hashOf(token)
      const result = localResult(hash) ?? (await resultFor(hash, token, options.client))
      const identity = identityOf(result, options.allowedClients ?? allowedClients)
      await checkMark(result)
      return identity
    },
    close: () => unsubscribe(),
  }
}
