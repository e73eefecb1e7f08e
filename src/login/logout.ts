import type { FastifyReply, FastifyRequest } from 'fastify'
import type { GateContext } from '../context.ts'
import { clearCookie, readCookie } from '../http/cookies.ts'
import { checkReturnUrl } from '../redirect/return-url.ts'
import { type Query, single } from './query.ts'

/**
 * `GET|POST <prefix>/logout?rd=…` — ends the session in the store (everywhere, through the
 * invalidation channel), clears the cookie, and destroys the provider's tokens. The browser then
 * lands on `<prefix>/signed-out`, unless `rd` names another allowed place.
 */
export function createLogoutHandler(ctx: GateContext) {
  const { config } = ctx
  return async function logout(request: FastifyRequest, reply: FastifyReply) {
    const asked = checkReturnUrl(ctx.returnUrls, single(request.query as Query, 'rd'))
    const returnTo = asked.ok ? asked.url : `${config.prefix}/signed-out`
    // The cookie goes whatever happens below, so a browser is never left holding it.
    reply
      .header('set-cookie', clearCookie(config.cookie, config.cookie.sessionName))
      .header('cache-control', 'no-store')
    const session = await ctx.sessions.resolve(readCookie(request.headers.cookie, config.cookie.sessionName))
    if (session) {
      const record = await ctx.sessions.end(session.key)
      ctx.metrics.logouts.inc()
      request.log.info({ uid: session.record.uid }, 'logout')
      const tokens = record ? await ctx.sessions.openTokens(record) : undefined
      if (tokens) await ctx.provider.revoke(tokens)
    }
    return reply.redirect(returnTo, request.method === 'POST' ? 303 : 302)
  }
}
