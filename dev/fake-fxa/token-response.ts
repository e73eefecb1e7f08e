import { createHash } from 'node:crypto'
import { decodeJwt, SignJWT } from 'jose'
import type { KoaContextWithOIDC } from 'oidc-provider'
import { type FxaErrorName, fxaErrorBody } from './errors.ts'
import type { SigningKeys } from './keys.ts'
import type { FakeClient, FakeFxaCalls } from './types.ts'
import type { UserDirectory } from './users.ts'

export interface TokenResponseDeps {
  readonly keys: SigningKeys
  readonly users: UserDirectory
  readonly clients: ReadonlyMap<string, FakeClient>
  readonly calls: FakeFxaCalls
  readonly tokenPath: string
}

/**
 * Koa middleware that turns oidc-provider's token endpoint into FxA's: `token_type: bearer`,
 * `auth_at`, FxA error bodies (`{code, errno, …}`: 105 unknown code, 108 invalid refresh token,
 * 114 scopes), and on a refresh neither an ID token nor `openid` in the scope nor a refresh token
 * (FxA never rotates; a client set to rotate gets the new one). The ID token has exactly FxA's
 * claims (`sub, aud, iss, iat, exp, at_hash, amr, acr, fxa-aal`: no nonce, no auth_time, no email);
 * it is re-signed because oidc-provider cannot be told to drop `nonce` or to add `at_hash`.
 */
export function fxaTokenResponse(deps: TokenResponseDeps) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<unknown>): Promise<void> => {
    await next()
    if (ctx.path !== deps.tokenPath) return
    const grantType = ctx.oidc?.params?.['grant_type']
    if (grantType === 'refresh_token') deps.calls.refresh += 1
    const body: unknown = ctx.body
    if (!isRecord(body)) return
    if (ctx.status !== 200) return asFxaError(ctx, body, grantType, await pkceFailed(ctx, grantType))

    const { entities } = ctx.oidc
    const isRefresh = grantType === 'refresh_token'
    const source = isRefresh ? entities.RefreshToken : entities.AuthorizationCode
    body['token_type'] = 'bearer'
    body['auth_at'] = source?.authTime ?? Math.floor(Date.now() / 1000)

    if (isRefresh) {
      delete body['id_token']
      if (typeof body['scope'] === 'string')
        body['scope'] = body['scope']
          .split(' ')
          .filter((scope) => scope !== 'openid')
          .join(' ')
      if (deps.clients.get(ctx.oidc.client?.clientId ?? '')?.rotateRefreshTokens !== true)
        delete body['refresh_token']
    } else if (typeof body['id_token'] === 'string' && typeof body['access_token'] === 'string') {
      const code = entities.AuthorizationCode
      body['id_token'] = await fxaIdToken(deps, body['id_token'], body['access_token'], code?.acr)
    }
  }
}

/** A refused code that is still usable and was bound to PKCE: the verifier was the problem. */
async function pkceFailed(ctx: KoaContextWithOIDC, grantType: unknown): Promise<boolean> {
  const value = ctx.oidc?.params?.['code']
  if (grantType !== 'authorization_code' || typeof value !== 'string') return false
  const code = await ctx.oidc.provider.AuthorizationCode.find(value).catch(() => undefined)
  return code !== undefined && !(code as { consumed?: unknown }).consumed && code.codeChallenge !== undefined
}

function asFxaError(
  ctx: KoaContextWithOIDC,
  body: Record<string, unknown>,
  grantType: unknown,
  pkce: boolean,
): void {
  const error = body['error']
  let name: FxaErrorName | undefined
  if (error === 'invalid_grant') {
    if (grantType === 'refresh_token') name = 'invalidToken'
    else name = pkce ? 'mismatchCodeChallenge' : 'unknownCode'
  } else if (error === 'invalid_client') {
    name = ctx.oidc.client === undefined ? 'unknownClient' : 'incorrectSecret'
  } else if (error === 'invalid_scope') {
    name = 'invalidScopes'
  } else if (error === 'invalid_request') {
    name = 'invalidRequestParameter'
  }
  if (name === undefined) return
  const fxa = fxaErrorBody(name)
  ctx.status = fxa.code
  ctx.body = fxa
  ctx.remove('www-authenticate')
}

async function fxaIdToken(
  deps: { keys: SigningKeys; users: UserDirectory },
  issued: string,
  accessToken: string,
  acr: string | undefined,
): Promise<string> {
  const { sub, aud, iss, iat, exp } = decodeJwt(issued)
  const user = sub === undefined ? undefined : deps.users.users.get(sub)
  const aal = acr === 'AAL2' ? 2 : acr === 'AAL1' ? 1 : undefined
  const claims = {
    sub,
    aud,
    iss,
    iat,
    exp,
    at_hash: leftHalfHash(accessToken),
    ...(aal === undefined ? {} : { amr: aal === 2 ? ['pwd', 'otp'] : ['pwd'], acr, 'fxa-aal': aal }),
    ...user?.claims,
  }
  for (const [name, value] of Object.entries(claims))
    if (value === null) delete claims[name as keyof typeof claims]
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
