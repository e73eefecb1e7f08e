import { createHash } from 'node:crypto'
import { decodeJwt, SignJWT } from 'jose'
import type { KoaContextWithOIDC } from 'oidc-provider'
import type { SigningKeys } from './keys.ts'
import { authenticationLevel, type UserDirectory } from './users.ts'

/**
 * Koa middleware that turns oidc-provider's token response into FxA's: `token_type: bearer`,
 * `auth_at`, no ID token on a refresh, and an ID token with exactly FxA's claims
 * (`sub, aud, iss, iat, exp, at_hash, amr, acr, fxa-aal`: no nonce, no auth_time, no email).
 * The ID token is re-signed with the provider's key because oidc-provider cannot be told to drop
 * `nonce` or to add `at_hash` in the code flow.
 */
export function fxaTokenResponse(deps: { keys: SigningKeys; users: UserDirectory; tokenPath: string }) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<unknown>): Promise<void> => {
    await next()
    const body: unknown = ctx.body
    if (ctx.path !== deps.tokenPath || ctx.status !== 200 || !isRecord(body)) return

    const { entities, params } = ctx.oidc
    const isRefresh = params?.['grant_type'] === 'refresh_token'
    const source = isRefresh ? entities.RefreshToken : entities.AuthorizationCode
    body['token_type'] = 'bearer'
    body['auth_at'] = source?.authTime ?? Math.floor(Date.now() / 1000)

    if (isRefresh) {
      delete body['id_token']
    } else if (typeof body['id_token'] === 'string' && typeof body['access_token'] === 'string') {
      body['id_token'] = await fxaIdToken(deps, body['id_token'], body['access_token'])
    }
  }
}

async function fxaIdToken(
  deps: { keys: SigningKeys; users: UserDirectory },
  issued: string,
  accessToken: string,
): Promise<string> {
  const { sub, aud, iss, iat, exp } = decodeJwt(issued)
  const user = sub === undefined ? undefined : deps.users.users.get(sub)
  const level = user === undefined ? undefined : authenticationLevel(user)
  const claims = {
    sub,
    aud,
    iss,
    iat,
    exp,
    at_hash: leftHalfHash(accessToken),
    ...(level === undefined ? {} : { amr: level.amr, acr: level.acr, 'fxa-aal': level.aal }),
  }
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: deps.keys.kid })
    .sign(deps.keys.providerKey)
}

/** OIDC's `at_hash`: base64url of the left half of SHA-256 of the access token. */
function leftHalfHash(value: string): string {
  return createHash('sha256').update(value).digest().subarray(0, 16).toString('base64url')
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
