import type { KoaContextWithOIDC } from 'oidc-provider'

const DISCOVERY_PATH = '/.well-known/openid-configuration'

/**
 * Koa middleware that cuts oidc-provider's discovery document down to what FxA's advertises.
 * Deliberately absent: introspection and revocation endpoints (a relying party must derive
 * /v1/introspect, /v1/verify and /v1/destroy from the OAuth API base), end_session (FxA has no
 * RP-initiated logout) and `authorization_response_iss_parameter_supported` (FxA sends no `iss`).
 */
export async function fxaDiscovery(ctx: KoaContextWithOIDC, next: () => Promise<unknown>): Promise<void> {
  await next()
  if (ctx.path !== DISCOVERY_PATH || ctx.status !== 200) return
  const full = ctx.body as Record<string, unknown>
  ctx.body = {
    issuer: full['issuer'],
    authorization_endpoint: full['authorization_endpoint'],
    token_endpoint: full['token_endpoint'],
    userinfo_endpoint: full['userinfo_endpoint'],
    jwks_uri: full['jwks_uri'],
    claims_supported: ['aud', 'exp', 'iat', 'iss', 'sub'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code'],
    scopes_supported: ['openid', 'profile', 'email'],
    subject_types_supported: ['public'],
    token_endpoint_auth_methods_supported: full['token_endpoint_auth_methods_supported'],
    code_challenge_methods_supported: ['S256'],
  }
}

/** Koa middleware that drops the RFC 9207 `iss` oidc-provider adds to authorization responses: FxA sends none. */
export async function withoutIssInAuthorizationResponse(
  ctx: KoaContextWithOIDC,
  next: () => Promise<unknown>,
): Promise<void> {
  await next()
  const location = ctx.response.get('location')
  // Only redirects to a client carry `iss`; they are absolute, the provider's own hops are not.
  if (!ctx.path.startsWith('/authorization') || !URL.canParse(location)) return
  const url = new URL(location)
  if (!url.searchParams.has('iss')) return
  url.searchParams.delete('iss')
  ctx.response.set('location', url.href)
}
