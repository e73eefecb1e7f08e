import type { Config } from '../config/derive.ts'
import { GateError } from '../errors.ts'
import { identityOverCap } from '../identity/caps.ts'
import { type Fetch, type JsonResponse, requestJson } from '../identity/http.ts'
import { aalFromClaims, sessionFieldsFrom } from '../identity/profile.ts'
import type { ProfileFetcher } from '../identity/profile-api.ts'
import type { TokenProfile, TokenResult } from './token-result.ts'

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** FxA's 429/503 carry Retry-After (seconds): respect it, within reason. */
function retryAfterOf(response: JsonResponse | undefined, fallbackMs: number): number {
  const value = Number(response?.headers.get('retry-after'))
  return Number.isFinite(value) && value > 0
    ? Math.min(Math.ceil(value), 3600)
    : Math.max(1, Math.ceil(fallbackMs / 1000))
}

/**
 * FxA's 400 errnos that are about the token, not the service: invalid (108), bad parameter (109),
 * expired (115), and 116 — introspection found a confidential client's refresh token. Each makes
 * the token invalid (401); none is an outage.
 */
const TOKEN_ERRNOS = new Set([108, 109, 115, 116])

function scopesOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((scope): scope is string => typeof scope === 'string')
  return typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : []
}

/**
 * Asks the provider about a token: FxA's `/v1/introspect` (RFC 7662 shape, but `exp`/`iat` in
 * MILLISECONDS) or `/v1/verify` (bad tokens are HTTP 400 errno 108/115). Introspection says
 * `token_type_hint: access_token` and only an answer with `token_type: access_token` is a token:
 * without the hint FxA also looks up refresh tokens (a public client's comes back active, a
 * confidential client's is a 400 errno 116). Unreachable, 5xx, non-JSON: GateError
 * PROVIDER_UNAVAILABLE with a Retry-After; 429 (or 503 with Retry-After): PROVIDER_THROTTLED — the
 * caller fails closed either way.
 */
export async function checkWithProvider(
  config: Config,
  fetch: Fetch,
  token: string,
  now: number,
): Promise<TokenResult> {
  const unavailable = (response: JsonResponse | undefined, detail: string, cause?: unknown) =>
    new GateError('PROVIDER_UNAVAILABLE', {
      detail,
      cause,
      retryAfterSeconds: retryAfterOf(response, config.bearerFailureTtl),
    })
  const base = config.fxaOauthUrl
  if (base === undefined)
    throw new GateError('PROVIDER_ERROR', { detail: 'no FxA OAuth URL configured for bearer tokens' })
  const mode = config.bearerCheck
  let response: JsonResponse
  try {
    response = await requestJson(fetch, `${base}/${mode}`, {
      method: 'POST',
      json: mode === 'introspect' ? { token, token_type_hint: 'access_token' } : { token },
      timeoutMs: config.bearerTimeout,
    })
  } catch (error) {
    throw unavailable(undefined, `${mode}: ${(error as GateError).code ?? 'network error'}`, error)
  }
  // A request to back off (429, or 503 naming when): the checker opens its circuit breaker.
  if (response.status === 429 || (response.status === 503 && response.headers.has('retry-after')))
    throw new GateError('PROVIDER_THROTTLED', {
      detail: `${mode} ${response.status}`,
      retryAfterSeconds: retryAfterOf(response, config.bearerFailureTtl),
    })
  if (response.status >= 500) throw unavailable(response, `${mode} ${response.status}`)
  if (!isObject(response.body)) throw unavailable(response, `${mode} answered non-JSON (${response.status})`)
  const body = response.body

  if (mode === 'verify') {
    if (response.status === 400 || response.status === 401)
      return { active: false, reason: `verify errno ${String(body['errno'])}` }
    if (response.status !== 200 || typeof body['user'] !== 'string')
      throw unavailable(response, `verify ${response.status}`)
    // /v1/verify gives no expiry: the result is cached for the configured maximum only.
    const generation = body['generation']
    return withinCaps({
      active: true,
      sub: body['user'],
      clientId: typeof body['client_id'] === 'string' ? body['client_id'] : null,
      scopes: scopesOf(body['scope']),
      expiresAt: now + config.bearerCacheMaxTtl,
      generation: typeof generation === 'number' && Number.isFinite(generation) ? generation : undefined,
      aal: 0,
      profile: null,
    })
  }

  if (response.status === 400 && TOKEN_ERRNOS.has(Number(body['errno'])))
    return { active: false, reason: `introspect errno ${String(body['errno'])}` }
  if (response.status !== 200) throw unavailable(response, `introspect ${response.status}`)
  if (body['active'] !== true) return { active: false, reason: 'inactive' }
  if (body['token_type'] !== 'access_token') return { active: false, reason: 'not an access token' }
  const sub = body['sub']
  const exp = body['exp']
  if (typeof sub !== 'string' || sub.length === 0) return { active: false, reason: 'no sub' }
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return { active: false, reason: 'no exp' }
  const scopes = scopesOf(body['scope'])
  if (scopes.length === 0) return { active: false, reason: 'no scope' }
  const iat = body['iat']
  return withinCaps({
    active: true,
    sub,
    clientId: typeof body['client_id'] === 'string' ? body['client_id'] : null,
    scopes,
    expiresAt: exp, // FxA quirk: already milliseconds
    issuedAt: typeof iat === 'number' && Number.isFinite(iat) ? iat : undefined,
    // FxA's introspection asserts no level; a provider whose answer carries acr/fxa-aal is believed.
    aal: aalFromClaims(body, config.acrAalMap) ?? 0,
    profile: null,
  })
}

/** A token whose identity is over a cap (a huge sub, a thousand scopes) is not accepted. */
function withinCaps(result: TokenResult & { active: true }): TokenResult {
  const overCap = identityOverCap({ uid: result.sub, scopes: result.scopes })
  if (overCap !== undefined || (result.clientId?.length ?? 0) > 256)
    return { active: false, reason: `identity over its caps (${overCap ?? 'client_id'})` }
  return result
}

/** `profile`, `profile:write` or any `profile:*` sub-scope: the token may read part of the profile. */
const PROFILE_SCOPES = /^profile(:|$)/

/**
 * The profile, fetched once per token with the token itself, when its scopes allow it. A profile
 * that cannot be read (refused, outage, another user's) leaves the identity without one; a profile
 * over the identity caps is refused (PROFILE_TOO_LARGE), never sent on.
 */
export async function fetchTokenProfile(
  config: Config,
  fetchProfile: ProfileFetcher,
  token: string,
  result: { readonly sub: string; readonly scopes: readonly string[] },
): Promise<TokenProfile | null> {
  if (config.fxaProfileUrl === undefined || !result.scopes.some((scope) => PROFILE_SCOPES.test(scope)))
    return null
  try {
    const answer = await fetchProfile(token, result.sub)
    if (answer.kind === 'refused') return null
    const fields = sessionFieldsFrom({ sub: result.sub }, answer.profile, undefined)
    const overCap = identityOverCap(fields)
    if (overCap !== undefined) throw new GateError('PROFILE_TOO_LARGE', { detail: overCap })
    return {
      email: fields.email,
      displayName: fields.displayName,
      locale: fields.locale,
      avatar: fields.avatar,
      subscriptions: fields.subscriptions,
      metricsEnabled: fields.metricsEnabled,
    }
  } catch (error) {
    if (error instanceof GateError && error.code === 'PROFILE_TOO_LARGE') throw error
    return null
  }
}
