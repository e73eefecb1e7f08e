import type { FastifyReply, FastifyRequest } from 'fastify'
import type { GateContext } from '../context.ts'
import { clearCookie, readCookie } from '../http/cookies.ts'
import { resolveReturnUrl } from '../redirect/return-url.ts'
import { type Query, single } from './query.ts'

/**
 * `GET|POST <prefix>/logout?rd=…` — ends the session in the store (everywhere, through the
 * invalidation channel) and clears the cookie. The provider's tokens are destroyed in the
 * background (the token reaper), so a slow or unreachable FxA never holds the user up.
 */
export function createLogoutHandler(ctx: GateContext) {
  const { config } = ctx
  return async function logout(request: FastifyRequest, reply: FastifyReply) {
    const returnTo = resolveReturnUrl(ctx.returnUrls, single(request.query as Query, 'rd'))
    // The cookie goes whatever happens below, so a browser is never left holding it.
    reply
      .header('set-cookie', clearCookie(config.cookie, config.cookie.sessionName))
      .header('cache-control', 'no-store')
    const session = await ctx.sessions.resolve(readCookie(request.headers.cookie, config.cookie.sessionName))
    if (session) {
      await ctx.sessions.end(session.key, 'logout')
      ctx.metrics.logouts.inc()
      request.log.info({ uid: session.record.uid }, 'logout')
    }
    return reply.redirect(returnTo, request.method === 'POST' ? 303 : 302)
  }
}
