import type { FastifyReply, FastifyRequest } from 'fastify'
import type { GateContext } from '../context.ts'
import { readCookie } from '../http/cookies.ts'
import { identityFromSession } from '../identity/identity.ts'
import { forbiddenPage } from '../pages/forbidden-page.ts'
import { type Forbidden, forbiddenRedirect } from '../pipeline/answers.ts'

/**
 * At `/start`: a browser that ingress-nginx sent here because fxa-gate refused it (not because it
 * was signed out) carries a denial note. It is answered as the sidecar would have answered the
 * refused request: a step-up, the subscription page, or the 403 page. Undefined when there is no
 * such note for the signed-in user, and the login goes ahead as asked.
 */
export async function answerNotedRefusal(
  ctx: GateContext,
  request: FastifyRequest,
  reply: FastifyReply,
  returnTo: string,
): Promise<FastifyReply | undefined> {
  const { denials } = ctx.pages
  const cookies = request.headers.cookie
  if (!denials.present(cookies)) return undefined
  // Read once, whatever it says: "sign in again" from the page must then really sign in.
  reply.header('set-cookie', denials.clear)
  const session = await ctx.sessions.resolve(readCookie(cookies, ctx.config.cookie.sessionName))
  if (session === null) return undefined
  const unmet = await denials.read(cookies, session.record.uid, ctx.clock())
  if (unmet === undefined) return undefined
  const decision: Forbidden = {
    kind: 'forbidden',
    unmet,
    source: 'nginx',
    identity: identityFromSession(session.record),
    url: returnTo,
  }
  const next = forbiddenRedirect(ctx.config, decision)
  if (next !== undefined) return reply.header('cache-control', 'no-store').redirect(next, 302)
  const page = forbiddenPage({ ...decision, planNames: ctx.pages.planNames }, ctx.pages.links)
  return ctx.pages.send(request, reply, page)
}
