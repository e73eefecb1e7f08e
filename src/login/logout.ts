import type { FastifyReply, FastifyRequest } from 'fastify'
import type { GateContext } from '../context.ts'
import { GateError } from '../errors.ts'
import { clearCookie, readCookie } from '../http/cookies.ts'
import { replyError } from '../http/error-reply.ts'
import { isNavigation } from '../http/navigation.ts'
import { requestSite } from '../http/request-site.ts'
import { logoutConfirmPage } from '../pages/logout-page.ts'
import { checkReturnUrl } from '../redirect/return-url.ts'
import { type Query, single } from './query.ts'

/**
 * `GET|POST <prefix>/logout?rd=…` — ends the session in the store (everywhere, through the
 * invalidation channel, confirmed by the store's replicas), then clears the cookie; the provider's
 * tokens are destroyed in the background (the token reaper), so a slow or unreachable FxA never
 * holds the user up. But only for a request from fxa-gate's own origin (a POST), or one the user
 * made themselves (a same-origin or typed GET). Anything else (another site's link or form, a
 * browser that says nothing) ends nothing: a navigation gets a page whose button POSTs from this
 * origin, other requests a 403. The browser then lands on `<prefix>/signed-out`, unless `rd` names
 * another allowed place. If the end cannot be confirmed, the answer says the user is still signed
 * in (503 LOGOUT_INCOMPLETE, Retry-After) and the cookie stays, so that the user can try again:
 * never "signed out" while the session still works.
 */
export function createLogoutRoute(ctx: GateContext) {
  const { config } = ctx
  const publicOrigin = ctx.returnUrls.publicOrigin
  const scheme = new URL(publicOrigin).protocol
  // fxa-gate's public origin, or the origin this very request was sent to (a sidecar on several hosts).
  const ownOrigin = (request: FastifyRequest) => (origin: string) =>
    origin === publicOrigin || origin === `${scheme}//${request.headers.host ?? ''}`

  /** The allowed return URL the request asks for, if it asks for one. */
  function askedReturnUrl(request: FastifyRequest): string | undefined {
    const asked = checkReturnUrl(ctx.returnUrls, single(request.query as Query, 'rd'))
    return asked.ok ? asked.url : undefined
  }

  /** onRequest: decided before any body is read, and before the store is touched. */
  async function sameOriginOnly(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> {
    const site = requestSite(request.headers, ownOrigin(request))
    const allowed = site === 'same-origin' || (request.method === 'GET' && site === 'user')
    if (allowed) return undefined
    request.log.info({ site, method: request.method }, 'logout needs confirmation')
    if (!isNavigation(request.headers))
      return replyError(request, reply, new GateError('LOGOUT_NOT_SAME_ORIGIN'), {}, 'json')
    // Only a checked return URL goes into the form; without one the POST lands on the signed-out page.
    const returnTo = askedReturnUrl(request)
    const action = `${config.prefix}/logout${returnTo === undefined ? '' : `?rd=${encodeURIComponent(returnTo)}`}`
    return ctx.pages.send(request, reply, logoutConfirmPage(action))
  }

  async function handler(request: FastifyRequest, reply: FastifyReply) {
    const returnTo = askedReturnUrl(request) ?? `${config.prefix}/signed-out`
    reply.header('cache-control', 'no-store')
    // By key, not by lookup: a retry ends (and confirms) the session even if the first try already
    // removed it from the master.
    const key = ctx.sessions.keyOf(readCookie(request.headers.cookie, config.cookie.sessionName))
    if (key !== undefined) {
      let record: Awaited<ReturnType<typeof ctx.sessions.end>>
      try {
        record = await ctx.sessions.end(key, 'logout')
      } catch (error) {
        if (!(error instanceof GateError) || error.status !== 503) throw error
        throw new GateError('LOGOUT_INCOMPLETE', { cause: error, detail: error.code })
      }
      if (record) {
        ctx.metrics.logouts.inc()
        request.log.info({ uid: record.uid }, 'logout')
      }
    }
    reply.header('set-cookie', clearCookie(config.cookie, config.cookie.sessionName))
    return reply.redirect(returnTo, request.method === 'POST' ? 303 : 302)
  }

  return { onRequest: sameOriginOnly, handler }
}
