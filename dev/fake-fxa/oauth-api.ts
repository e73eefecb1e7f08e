import type { IncomingMessage, ServerResponse } from 'node:http'
import { fxaErrorBody } from './errors.ts'
import { sendJson } from './http.ts'
import type { TokenBook } from './tokens.ts'
import { tokenId } from './tokens.ts'
import type { FakeClient } from './types.ts'

type Handler = (req: IncomingMessage, res: ServerResponse, fields: Record<string, string>) => Promise<void>

/**
 * FxA's token-checking routes. `/v1/introspect` is Relay's path: no client auth, `active:false` for
 * anything dead, timestamps in milliseconds. `/v1/verify` is the older path: HTTP 400 for a bad token.
 */
export function createOauthApi(deps: { tokens: TokenBook; clients: ReadonlyMap<string, FakeClient> }) {
  const { tokens, clients } = deps

  const introspect: Handler = async (_req, res, fields) => {
    const found = await tokens.lookUp(fields['token'] ?? '', ['access_token', 'refresh_token'])
    if (found.state !== 'active') return sendJson(res, 200, { active: false })
    const { token, type, user } = found
    sendJson(res, 200, {
      active: true,
      scope: token.scope ?? '',
      client_id: token.clientId,
      token_type: type,
      sub: user.uid,
      jti: tokenId(token.jti),
      iat: token.iat * 1000,
      ...(token.exp === undefined ? {} : { exp: token.exp * 1000 }),
    })
  }

  const verify: Handler = async (_req, res, fields) => {
    const found = await tokens.lookUp(fields['token'] ?? '', ['access_token'])
    if (found.state === 'expired') return sendJson(res, 400, fxaErrorBody('expiredToken'))
    if (found.state === 'unknown') return sendJson(res, 400, fxaErrorBody('invalidToken'))
    const { token, user } = found
    sendJson(res, 200, {
      user: user.uid,
      client_id: token.clientId,
      scope: (token.scope ?? '').split(' ').filter(Boolean),
    })
  }

  const destroy: Handler = async (_req, res, fields) => {
    const clientError = checkOptionalClientAuth(fields, clients)
    if (clientError !== undefined) return sendJson(res, 400, fxaErrorBody(clientError))

    const accessOrAny = fields['token'] ?? fields['access_token']
    const refresh =
      fields['refresh_token'] ??
      (fields['refresh_token_id'] === undefined
        ? undefined
        : tokens.refreshTokenById(fields['refresh_token_id']))
    const found =
      accessOrAny !== undefined
        ? await tokens.lookUp(accessOrAny, ['access_token', 'refresh_token'])
        : refresh !== undefined
          ? await tokens.lookUp(refresh, ['refresh_token'])
          : ({ state: 'unknown' } as const)
    if (found.state !== 'active') return sendJson(res, 400, fxaErrorBody('invalidToken'))

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
