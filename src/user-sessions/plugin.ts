import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { GateContext } from '../context.ts'
import { GateError } from '../errors.ts'
import { readCookie } from '../http/cookies.ts'
import { replyError } from '../http/error-reply.ts'
import { isNavigation } from '../http/navigation.ts'
import { type SessionsNotice, sessionsPage } from '../pages/sessions-page.ts'
import type { LiveSession } from '../session/sessions.ts'
import { createSessionHandles } from './handles.ts'
import { listSessions } from './list.ts'
import { createRevokeHandler } from './revoke.ts'

/**
 * `GET <prefix>/sessions` (the user's sessions: a page for a browser, JSON for an API call) and
 * `POST <prefix>/sessions/revoke` (end one of them, or all but this one).
 */
export async function userSessionsRoutes(app: FastifyInstance, ctx: GateContext): Promise<void> {
  const { config } = ctx
  const base = `${config.prefix}/sessions`
  const handles = createSessionHandles(() => ctx.keys.handle)
  const listDeps = { store: ctx.store, handles, idleTtlMs: config.sessionIdleTtl, clock: ctx.clock }

  /** The session of this browser, or an answer asking to sign in (a redirect for a navigation). */
  async function currentSession(request: FastifyRequest, reply: FastifyReply, returnTo: string) {
    const session = await ctx.sessions.resolve(readCookie(request.headers.cookie, config.cookie.sessionName))
    if (session !== null) return session
    const loginUrl = ctx.pages.links.signIn(returnTo)
    if (isNavigation(request.headers))
      return reply.header('cache-control', 'no-store').redirect(loginUrl, 302)
    reply.header('www-authenticate', 'Bearer realm="fxa-gate"')
    return replyError(request, reply, new GateError('UNAUTHENTICATED'), { loginUrl }, 'json')
  }

  app.get(base, async (request, reply) => {
    const session = await currentSession(request, reply, base)
    if (!isLive(session)) return session
    const listed = await listSessions(listDeps, session.record.uid, session.key)
    const summaries = listed.map((entry) => entry.summary)
    if (!isNavigation(request.headers)) {
      return reply.header('cache-control', 'no-store').send({
        sessions: summaries.map((summary) => ({
          ...summary,
          createdAt: new Date(summary.createdAt).toISOString(),
          lastSeenAt: new Date(summary.lastSeenAt).toISOString(),
        })),
      })
    }
    const ended = (request.query as Record<string, unknown>)['ended']
    const notice: SessionsNotice = ended === 'one' ? 'ended' : ended === 'all' ? 'ended-all' : undefined
    return ctx.pages.send(
      request,
      reply,
      sessionsPage(summaries, {
        links: ctx.pages.links,
        revokeAction: `${base}/revoke`,
        notice,
        now: ctx.clock(),
      }),
    )
  })

  // The page's forms post urlencoded; API clients post JSON. Both small.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 1024 },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  )
  const revoke = createRevokeHandler(ctx, { handles, listDeps, currentSession, base })
  app.post(`${base}/revoke`, { bodyLimit: 1024, onRequest: revoke.sameOriginOnly }, revoke.handler)
}

function isLive(value: LiveSession | FastifyReply): value is LiveSession {
  return 'record' in value && 'key' in value
}
