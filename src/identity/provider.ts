import * as oidc from 'openid-client'
import type { Config } from '../config/derive.ts'
import { GateError } from '../errors.ts'
import { errorFields } from '../observability/error-fields.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import type { SessionFields, SessionTokens } from '../session/sessions.ts'
import { identityOverCap } from './caps.ts'
import { type Fetch, requestJson } from './http.ts'
import { emailVerified, sessionFieldsFrom } from './profile.ts'
import { createProfileFetcher } from './profile-api.ts'
import { translateProviderError } from './provider-errors.ts'
import { type RefreshOutcome, refreshGrant } from './refresh-grant.ts'

/** What a login hands over to the session: the identity and the provider's tokens. */
export interface LoginResult {
  readonly fields: SessionFields
  readonly tokens: SessionTokens
}

export interface AuthorizationRequest {
  readonly state: string
  readonly codeChallenge?: string | undefined
  /** Pass-through parameters (action, login_hint, prompt, entrypoint), already validated. */
  readonly extra: Readonly<Record<string, string>>
}

export interface Provider {
  /** True once discovery has loaded. */
  ready(): boolean
  /** Loads discovery now (retried in the background by `start`). */
  discover(): Promise<oidc.Configuration>
  /** Keeps retrying discovery until it loads; returns a stop function. */
  start(): () => void
  authorizationUrl(request: AuthorizationRequest): Promise<string>
  /** Code → tokens → ID token checks → profile. `callbackQuery` is the raw query of the callback. */
  completeLogin(
    callbackQuery: string,
    checks: { state: string; codeVerifier?: string | undefined },
  ): Promise<LoginResult>
  /**
   * Refreshes a session's tokens (the revalidation of a session). `refused`: the grant is gone.
   * Throws GateError PROVIDER_UNAVAILABLE (outage) or PROVIDER_ERROR.
   */
  refresh(tokens: SessionTokens): Promise<RefreshOutcome>
  /**
   * Revokes tokens at the provider (FxA `/v1/destroy`). True when none is left alive (a token the
   * provider no longer knows counts as destroyed); failures are logged, never thrown.
   */
  revoke(tokens: SessionTokens): Promise<boolean>
}

export interface ProviderDeps {
  readonly config: Config
  readonly logger: Logger
  readonly metrics: Metrics
  readonly fetch?: Fetch
  /** The client secret now (it may be rotated at run time); `config.clientSecret` when absent. */
  readonly clientSecret?: () => string | undefined
}

/** When the provider last authenticated the user, in ms: FxA's `auth_at`, else OIDC's `auth_time`. */
function authTimeOf(tokens: oidc.TokenEndpointResponse, claims: oidc.IDToken): number | undefined {
  const seconds = typeof tokens['auth_at'] === 'number' ? tokens['auth_at'] : claims.auth_time
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined
}

export function createProvider(deps: ProviderDeps): Provider {
  const { config, logger, metrics } = deps
  const fetch = deps.fetch ?? globalThis.fetch
  const timeoutMs = config.providerTimeout
  const clientSecret = deps.clientSecret ?? (() => config.clientSecret)
  const clientAuth = (secret: string | undefined) =>
    secret === undefined ? oidc.None() : oidc.ClientSecretPost(secret)
  let loaded: oidc.Configuration | undefined
  let loadedWith: string | undefined
  let loading: Promise<oidc.Configuration> | undefined

  /** The discovered configuration, re-made (no new discovery) when the client secret was rotated. */
  function current(configuration: oidc.Configuration): oidc.Configuration {
    const secret = clientSecret()
    if (secret === loadedWith) return configuration
    const next = new oidc.Configuration(
      configuration.serverMetadata(),
      config.clientId,
      undefined,
      clientAuth(secret),
    )
    next[oidc.customFetch] = fetch
    next.timeout = Math.ceil(timeoutMs / 1000)
    if (config.insecureIssuer) oidc.allowInsecureRequests(next)
    loaded = next
    loadedWith = secret
    return next
  }

  // Latency is measured per HTTP call by the instrumented fetch (fxa_gate_dependency_request_duration_seconds).
  async function timed<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      const result = await run()
      metrics.providerRequests.inc({ operation, outcome: 'ok' })
      return result
    } catch (error) {
      const translated = translateProviderError(error, operation)
      metrics.providerRequests.inc({ operation, outcome: translated.code })
      throw translated
    }
  }

  function discover(): Promise<oidc.Configuration> {
    if (loaded) return Promise.resolve(current(loaded))
    const secret = clientSecret()
    loading ??= timed('discovery', () =>
      oidc.discovery(new URL(config.issuer), config.clientId, undefined, clientAuth(secret), {
        [oidc.customFetch]: fetch,
        timeout: Math.ceil(timeoutMs / 1000),
        execute: config.insecureIssuer ? [oidc.allowInsecureRequests] : [],
      }),
    ).then(
      (configuration) => {
        loaded = configuration
        loadedWith = secret
        logger.info({ issuer: config.issuer }, 'discovery loaded')
        return current(configuration)
      },
      (error: GateError) => {
        loading = undefined
        throw error
      },
    )
    return loading
  }

  const profiles = createProfileFetcher({ config, discover, fetch })

  async function fetchProfile(accessToken: string, sub: string): Promise<Record<string, unknown>> {
    const answer = await profiles(accessToken, sub)
    // A token fresh from the token endpoint that may not read the profile: the provider refused us.
    if (answer.kind === 'refused')
      throw new GateError('PROVIDER_ERROR', { detail: 'profile refused the new token' })
    return answer.profile
  }

  return {
    ready: () => loaded !== undefined,
    discover,

    start() {
      let timer: NodeJS.Timeout | undefined
      let stopped = false
      const attempt = () => {
        discover().catch((error: GateError) => {
          logger.warn(errorFields(error), 'discovery failed; retrying in 5s')
          if (!stopped) timer = setTimeout(attempt, 5000).unref()
        })
      }
      attempt()
      return () => {
        stopped = true
        clearTimeout(timer)
      }
    },

    async authorizationUrl(request) {
      const configuration = await discover()
      const parameters: Record<string, string> = {
        redirect_uri: config.callbackUrl,
        response_type: 'code',
        scope: config.scopes.join(' '),
        state: request.state,
        access_type: 'offline',
        ...request.extra,
      }
      if (request.codeChallenge !== undefined) {
        parameters['code_challenge'] = request.codeChallenge
        parameters['code_challenge_method'] = 'S256'
      }
      return oidc.buildAuthorizationUrl(configuration, parameters).href
    },

    async completeLogin(callbackQuery, checks) {
      const configuration = await discover()
      const tokens = await timed('token', () =>
        oidc.authorizationCodeGrant(configuration, new URL(`${config.callbackUrl}?${callbackQuery}`), {
          expectedState: checks.state,
          pkceCodeVerifier: checks.codeVerifier,
          idTokenExpected: true,
        }),
      )
      const claims = tokens.claims()
      if (!claims) throw new GateError('ID_TOKEN_INVALID', { detail: 'no ID token in the token response' })
      const profile = await timed('profile', () => fetchProfile(tokens.access_token, claims.sub))
      const fields = sessionFieldsFrom(claims, profile, tokens.scope, config)
      // FxA only lets verified accounts finish a login; other providers say so in email_verified.
      if (
        config.fxaOauthUrl === undefined &&
        config.requireEmailVerified &&
        fields.email !== null &&
        !emailVerified(claims, profile)
      )
        throw new GateError('LOGIN_EMAIL_UNVERIFIED', { detail: 'email_verified is not true' })
      // Refused here, before any session exists: a value over its cap never reaches a header.
      const overCap = identityOverCap(fields)
      if (overCap !== undefined) throw new GateError('PROFILE_TOO_LARGE', { detail: overCap })
      const expiresIn = tokens.expiresIn()
      const authAt = authTimeOf(tokens, claims)
      return {
        fields: authAt === undefined ? fields : { ...fields, authAt },
        tokens: {
          accessToken: tokens.access_token,
          refreshToken: tokens.refresh_token,
          accessTokenExpiresAt: expiresIn === undefined ? undefined : Date.now() + expiresIn * 1000,
        },
      }
    },

    async refresh(tokens) {
      const configuration = await discover()
      return timed('refresh', () => refreshGrant(configuration, tokens, Date.now))
    },

    async revoke(tokens) {
      const pending: Array<[string, Record<string, string>]> = [['access', { token: tokens.accessToken }]]
      if (tokens.refreshToken) pending.push(['refresh', { refresh_token: tokens.refreshToken }])
      const secret = clientSecret()
      const credentials =
        secret === undefined
          ? { client_id: config.clientId }
          : { client_id: config.clientId, client_secret: secret }
      const destroyed = await Promise.all(
        pending.map(async ([kind, body]) => {
          try {
            await timed('destroy', async () => {
              if (config.fxaOauthUrl !== undefined) {
                const response = await requestJson(fetch, `${config.fxaOauthUrl}/destroy`, {
                  method: 'POST',
                  json: { ...body, ...credentials },
                  timeoutMs,
                })
                // 400/errno 108: FxA no longer knows the token, which is what we wanted.
                if (response.status >= 300 && response.status !== 400) {
                  throw new GateError('PROVIDER_ERROR', { detail: `destroy ${response.status}` })
                }
              } else {
                const configuration = await discover()
                if (!configuration.serverMetadata().revocation_endpoint) return
                await oidc.tokenRevocation(configuration, Object.values(body)[0]!, {
                  token_type_hint: kind === 'access' ? 'access_token' : 'refresh_token',
                })
              }
            })
            return true
          } catch (error) {
            logger.warn({ ...errorFields(error), kind }, 'token revocation at the provider failed')
            return false
          }
        }),
      )
      return destroyed.every(Boolean)
    },
  }
}
