import type { IncomingMessage, ServerResponse } from 'node:http'
import { fxaErrorBody } from './errors.ts'
import { sendJson } from './http.ts'
import type { TokenBook, TokenKind } from './tokens.ts'
import { tokenId } from './tokens.ts'
import type { FakeClient } from './types.ts'
import type { UserDirectory } from './users.ts'

type Handler = (req: IncomingMessage, res: ServerResponse, fields: Record<string, string>) => Promise<void>

/**
 * FxA's token-checking routes. `/v1/introspect` is Relay's path: no client auth, `active:false` for
 * anything dead, timestamps in milliseconds. Without `token_type_hint` it looks for an access token,
 * then for a refresh token; it describes refresh tokens of public clients only (no `exp`: they do not
 * expire) and answers 400 errno 116 for a confidential client's. `/v1/verify` is the older path:
 * HTTP 400 for a bad token.
 */
export function createOauthApi(deps: {
  tokens: TokenBook
  clients: ReadonlyMap<string, FakeClient>
  users: UserDirectory
}) {
  const { tokens, clients } = deps

  const introspect: Handler = async (_req, res, fields) => {
    const hint = fields['token_type_hint']
    if (hint !== undefined && hint !== 'access_token' && hint !== 'refresh_token') {
      return sendJson(
        res,
        400,
        fxaErrorBody('invalidRequestParameter', { validation: { keys: ['token_type_hint'] } }),
      )
    }
    const kinds: TokenKind[] = hint === undefined ? ['access_token', 'refresh_token'] : [hint]
    const found = await tokens.lookUp(fields['token'] ?? '', kinds)
    if (found.state !== 'active') return sendJson(res, 200, { active: false })
    const { token, type, user } = found
    if (type === 'refresh_token' && clients.get(token.clientId ?? '')?.clientSecret !== undefined) {
      return sendJson(res, 400, fxaErrorBody('notPublicClient', { clientId: token.clientId }))
    }
    sendJson(res, 200, {
      active: true,
      scope: token.scope ?? '',
      client_id: token.clientId,
      token_type: type,
      sub: user.uid,
      jti: tokenId(token.jti),
      iat: tokens.createdAt(token),
      // FxA's expiresAt: creation plus lifetime, in ms. Refresh tokens have none.
      ...(type === 'access_token' && token.exp !== undefined
        ? { exp: tokens.createdAt(token) + (token.exp - token.iat) * 1000 }
        : {}),
    })
  }

  const verify: Handler = async (_req, res, fields) => {
    const found = await tokens.lookUp(fields['token'] ?? '', ['access_token'])
    if (found.state === 'expired') return sendJson(res, 400, fxaErrorBody('expiredToken'))
    if (found.state === 'unknown') return sendJson(res, 400, fxaErrorBody('invalidToken'))
    const { token, user } = found
    const generation = deps.users.generationAt(user.uid, tokens.createdAt(token))
    sendJson(res, 200, {
      user: user.uid,
      client_id: token.clientId,
      scope: (token.scope ?? '').split(' ').filter(Boolean),
      ...(generation === undefined ? {} : { generation }),
    })
  }

  const destroy: Handler = async (_req, res, fields) => {
    const clientError = checkOptionalClientAuth(fields, clients)
    if (clientError !== undefined) return sendJson(res, 400, fxaErrorBody(clientError))

    // FxA reads `token` as `access_token`: a refresh token must be named as one.
    const access = fields['token'] ?? fields['access_token']
    const refresh =
      fields['refresh_token'] ??
      (fields['refresh_token_id'] === undefined
        ? undefined
        : tokens.refreshTokenById(fields['refresh_token_id']))
    const found =
      access !== undefined
        ? await tokens.lookUp(access, ['access_token'])
        : refresh !== undefined
          ? await tokens.lookUp(refresh, ['refresh_token'])
          : ({ state: 'unknown' } as const)
    if (found.state !== 'active') return sendJson(res, 400, fxaErrorBody('invalidToken'))
    // With client credentials, only that client's tokens (FxA answers "invalid token" otherwise).
    if (fields['client_id'] !== undefined && found.token.clientId !== fields['client_id'])
      return sendJson(res, 400, fxaErrorBody('invalidToken'))

    if (found.type === 'access_token') await tokens.revokeAccessToken(found.token)
    else await tokens.revokeGrant(found.grantId)
    sendJson(res, 200, {})
  }

  return { introspect, verify, destroy }
}

function checkOptionalClientAuth(
  fields: Record<string, string>,
  clients: ReadonlyMap<string, FakeClient>,
): 'unknownClient' | 'incorrectSecret' | undefined {
  const clientId = fields['client_id']
  if (clientId === undefined) return undefined
  const client = clients.get(clientId)
  if (client === undefined) return 'unknownClient'
  const secret = fields['client_secret']
  if (secret !== undefined && secret !== client.clientSecret) return 'incorrectSecret'
  return undefined
}
