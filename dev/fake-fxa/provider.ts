import { randomBytes } from 'node:crypto'
import Provider, {
  type ClientMetadata,
  type Configuration,
  type Grant,
  interactionPolicy,
  type KoaContextWithOIDC,
} from 'oidc-provider'
import { escapeHtml } from './http.ts'
import type { SigningKeys } from './keys.ts'
import type { MemoryStore } from './memory-store.ts'
import type { FakeClient } from './types.ts'
import type { UserDirectory } from './users.ts'

/** FxA's own scopes; anything else a test needs comes in through `FakeFxaOptions.scopes`. */
export const FXA_SCOPES = [
  'openid',
  'profile',
  'email',
  'profile:uid',
  'profile:email',
  'profile:display_name',
  'profile:avatar',
  'profile:locale',
  'profile:amr',
  'profile:subscriptions',
  'https://identity.mozilla.com/account/subscriptions',
  'https://identity.mozilla.com/apps/relay',
  'https://identity.mozilla.com/apps/oldsync',
]

// FxA refresh tokens have no time expiry; ten years is "never" for a test run.
const TEN_YEARS = 10 * 365 * 24 * 60 * 60

/** Access-token lifetimes (seconds), changeable while the fake runs: per client, else the default. */
export interface AccessTokenTtls {
  get(clientId: string): number
  set(seconds: number, clientId?: string): void
}

export function createAccessTokenTtls(
  defaultSeconds: number,
  clients: readonly FakeClient[],
): AccessTokenTtls {
  let fallback = defaultSeconds
  const perClient = new Map<string, number>()
  for (const client of clients)
    if (client.accessTokenTtlSeconds !== undefined)
      perClient.set(client.clientId, client.accessTokenTtlSeconds)
  return {
    get: (clientId) => perClient.get(clientId) ?? fallback,
    set(seconds, clientId) {
      if (!Number.isInteger(seconds) || seconds < 1)
        throw new TypeError('fake FxA: a TTL is a whole number of seconds')
      if (clientId === undefined) {
        fallback = seconds
        perClient.clear()
      } else perClient.set(clientId, seconds)
    },
  }
}

export interface FxaProviderDeps {
  issuer: string
  clients: FakeClient[]
  scopes: string[]
  accessTokenTtls: AccessTokenTtls
  keys: SigningKeys
  store: MemoryStore
  users: UserDirectory
  logError: (message: string, error: unknown) => void
}

/** oidc-provider configured to behave like FxA's OAuth server (the quirks are listed in docs/FXA.md). */
export function createFxaProvider(deps: FxaProviderDeps): Provider {
  // Codes whose authorization request said access_type=offline; only these earn a refresh token.
  const offlineCodes = new Set<string>()

  const configuration: Configuration = {
    adapter: (model) => deps.store.adapterFor(model),
    clients: deps.clients.map(clientMetadata),
    jwks: { keys: [deps.keys.providerJwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    findAccount: (_ctx, sub) =>
      deps.users.users.has(sub) ? { accountId: sub, claims: () => ({ sub }) } : undefined,
    scopes: [...new Set([...FXA_SCOPES, ...deps.scopes])],
    claims: { openid: ['sub'] },
    // Unknown parameters (utm_*, flow ids, …) are dropped silently; these are kept for the login page and tokens.
    extraParams: ['access_type', 'email', 'action', 'entrypoint'],
    acrValues: ['AAL1', 'AAL2'],
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_post', 'none'],
    enabledJWA: { idTokenSigningAlgValues: ['RS256'] },
    routes: {
      authorization: '/authorization',
      token: '/v1/token',
      userinfo: '/v1/profile',
      jwks: '/v1/jwks',
    },
    features: {
      devInteractions: { enabled: false },
      // FxA's /v1/introspect, /v1/verify and /v1/destroy are not RFC 7662/7009; the fake serves its own.
      introspection: { enabled: false },
      revocation: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      dPoP: { enabled: false },
      userinfo: { enabled: true },
    },
    // PKCE only for public clients; the request checks in authorization-request.ts refuse the rest.
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      policy: fxaInteractionPolicy(),
    },
    // FxA shows no consent screen: whatever the client asks for is granted.
    loadExistingGrant: grantEverythingRequested,
    issueRefreshToken: (_ctx, client, source) =>
      client.grantTypeAllowed('refresh_token') && offlineCodes.delete(source.jti),
    // FxA tokens outlive the browser session that created them.
    expiresWithSession: () => false,
    // FxA never rotates; a client may be set to, to stand in for a generic OIDC provider that does.
    rotateRefreshToken: (ctx) =>
      deps.clients.find((client) => client.clientId === ctx.oidc.client?.clientId)?.rotateRefreshTokens ===
      true,
    ttl: {
      AccessToken: (_ctx, _token, client) => deps.accessTokenTtls.get(client.clientId),
      AuthorizationCode: 15 * 60,
      IdToken: 5 * 60,
      RefreshToken: TEN_YEARS,
      Grant: TEN_YEARS,
      Interaction: 60 * 60,
      Session: 14 * 24 * 60 * 60,
    },
    clientBasedCORS: () => true,
    renderError: (ctx, out) => {
      ctx.type = 'html'
      ctx.body = `<!doctype html><title>Error</title><h1>${escapeHtml(out.error)}</h1><p>${escapeHtml(out.error_description ?? '')}</p>`
    },
  }

  const provider = new Provider(deps.issuer, configuration)
  provider.proxy = false
  provider.on('server_error', (_ctx, error) => deps.logError('fake FxA: oidc-provider server error', error))
  provider.on('authorization_code.saved', (code) => {
    if (Provider.ctx?.oidc.params?.['access_type'] === 'offline') offlineCodes.add(code.jti)
  })
  useFxaTokenValues(provider)
  return provider
}

/**
 * oidc-provider's prompts, plus FxA's handling of `acr_values=AAL2`: a browser session that did not
 * use two-step authentication must sign in again (with it) instead of being reused.
 */
function fxaInteractionPolicy() {
  const policy = interactionPolicy.base()
  const login = policy.get('login')
  login?.checks.push(
    new interactionPolicy.Check(
      'aal2_requested',
      'two-step authentication was asked for',
      'login_required',
      (ctx) => {
        const asked = String(ctx.oidc.params?.['acr_values'] ?? '')
          .split(' ')
          .includes('AAL2')
        return asked && ctx.oidc.session?.acr !== 'AAL2'
      },
    ),
  )
  return policy
}

function clientMetadata(client: FakeClient): ClientMetadata {
  const base = {
    client_id: client.clientId,
    redirect_uris: client.redirectUris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    id_token_signed_response_alg: 'RS256',
  } satisfies ClientMetadata
  return client.clientSecret === undefined
    ? { ...base, token_endpoint_auth_method: 'none' }
    : { ...base, client_secret: client.clientSecret, token_endpoint_auth_method: 'client_secret_post' }
}

/**
 * FxA has no grants: every authorization gives its own tokens, and destroying one login's refresh
 * token leaves another login's alone. So each authorization gets a grant of its own.
 */
async function grantEverythingRequested(ctx: KoaContextWithOIDC): Promise<Grant> {
  const { provider, client, session, params } = ctx.oidc
  const grantId = ctx.oidc.result?.consent?.grantId
  const existing = grantId === undefined ? undefined : await provider.Grant.find(grantId)
  const grant =
    existing !== undefined && existing.accountId === session?.accountId
      ? existing
      : new provider.Grant({ accountId: session?.accountId, clientId: client?.clientId })
  if (typeof params?.['scope'] === 'string') grant.addOIDCScope(params['scope'])
  await grant.save()
  return grant
}

/** FxA's opaque tokens are 64 hex characters (32 random bytes); oidc-provider's default is base64url. */
function useFxaTokenValues(provider: Provider): void {
  for (const model of [provider.AccessToken, provider.RefreshToken, provider.AuthorizationCode]) {
    const prototype = model.prototype as unknown as { generateTokenId(this: unknown): string }
    const generateDefault = prototype.generateTokenId
    prototype.generateTokenId = function generateHexTokenId() {
      generateDefault.call(this) // still run: it records the token format as a side effect
      return randomBytes(32).toString('hex')
    }
  }
}
