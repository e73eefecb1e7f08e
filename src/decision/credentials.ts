import type { IncomingHttpHeaders } from 'node:http'
import { readBearer, refuseTokenInQuery } from '../bearer/authorization-header.ts'
import type { GateContext } from '../context.ts'
import { clientAddress } from '../http/client-address.ts'
import { readCookie } from '../http/cookies.ts'
import { type Identity, identityFromSession } from '../identity/identity.ts'

const identities = new WeakMap<object, Identity>()

/**
 * Who the request is from, by its credentials: `Authorization: Bearer` first (an invalid token is
 * a 401, never a fall-back to the cookie), then the session cookie. Null for an anonymous request.
 * A valid session awaits at most one store round trip, usually none (local cache).
 *
 * `rawHeaders` lets duplicate Authorization lines be seen; `url` (the request being decided on)
 * lets a token in its query string be refused; `peer` (the socket's address) names the client whose
 * budget a check of an unknown bearer token comes from.
 */
export async function authenticate(
  ctx: GateContext,
  headers: IncomingHttpHeaders,
  request: { rawHeaders?: readonly string[]; url?: string; peer?: string | undefined } = {},
): Promise<Identity | null> {
  if (request.url !== undefined) refuseTokenInQuery(request.url)
  const bearer = readBearer(headers.authorization, request.rawHeaders ?? [])
  if (bearer.kind === 'bearer') {
    const client = clientAddress(request.peer, headers['x-forwarded-for'], ctx.trustedPeer)
    return ctx.tokens.identify(bearer.token, client)
  }
  const cookie = readCookie(headers.cookie, ctx.config.cookie.sessionName)
  if (cookie === undefined) return null
  const session = await ctx.sessions.resolve(cookie)
  if (!session) return null
  // Cached records are the same object across requests: derive their identity once.
  let identity = identities.get(session.record)
  if (identity === undefined) {
    identity = identityFromSession(session.record)
    identities.set(session.record, identity)
  }
  return identity
}
