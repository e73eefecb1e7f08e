import type { IncomingHttpHeaders } from 'node:http'
import type { GateContext } from '../context.ts'
import { readCookie } from '../http/cookies.ts'
import { type Identity, identityFromSession } from '../identity/identity.ts'

/**
 * Who the request is from, by its credentials: the session cookie (and, once bearer tokens are
 * supported, the Authorization header). Null for an anonymous request. Awaits at most one store
 * round trip, usually none (local cache).
 */
const identities = new WeakMap<object, Identity>()

export async function authenticate(ctx: GateContext, headers: IncomingHttpHeaders): Promise<Identity | null> {
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
