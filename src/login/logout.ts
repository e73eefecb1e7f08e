import type { FastifyReply, FastifyRequest } from 'fastify'
import type { GateContext } from '../context.ts'
import { GateError } from '../errors.ts'
import { clearCookie, readCookie } from '../http/cookies.ts'
import { resolveReturnUrl } from '../redirect/return-url.ts'
import { type Query, single } from './query.ts'

/**
 * `GET|POST <prefix>/logout?rd=…` — ends the session in the store (everywhere, through the
 * invalidation channel, confirmed by the store's replicas), then clears the cookie and destroys the
 * provider's tokens. If the end cannot be confirmed, the answer says the user is still signed in
 * (503 LOGOUT_INCOMPLETE, Retry-After) and the cookie stays, so that the user can try again: never
 * "signed out" while the session still works.
 */
export function createLogoutHandler(ctx: GateContext) {
  const { config } = ctx
  return async function logout(request: FastifyRequest, reply: FastifyReply) {
    const returnTo = resolveReturnUrl(ctx.returnUrls, single(request.query as Query, 'rd'))
    reply.header('cache-control', 'no-store')
    // By key, not by lookup: a retry ends (and confirms) the session even if the first try already
    // removed it from the master.
    const key = ctx.sessions.keyOf(readCookie(request.headers.cookie, config.cookie.sessionName))
    if (key !== undefined) {
      let record: Awaited<ReturnType<typeof ctx.sessions.end>>
      try {
        record = await ctx.sessions.end(key)
      } catch (error) {
        if (!(error instanceof GateError) || error.status !== 503) throw error
        throw new GateError('LOGOUT_INCOMPLETE', { cause: error, detail: error.code })
      }
      if (record) {
        ctx.metrics.logouts.inc()
        request.log.info({ uid: record.uid }, 'logout')
        const tokens = await ctx.sessions.openTokens(record)
        if (tokens) await ctx.provider.revoke(tokens)
      }
    }
    reply.header('set-cookie', clearCookie(config.cookie, config.cookie.sessionName))
    return reply.redirect(returnTo, request.method === 'POST' ? 303 : 302)
  }
}
