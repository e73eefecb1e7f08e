import type { FastifyReply, FastifyRequest } from 'fastify'
import type { GateContext } from '../context.ts'
import { GateError } from '../errors.ts'
import { clearCookie } from '../http/cookies.ts'
import { replyError } from '../http/error-reply.ts'
import { isNavigation } from '../http/navigation.ts'
import { requestSite } from '../http/request-site.ts'
import type { LiveSession } from '../session/sessions.ts'
import type { SessionKey } from '../session/types.ts'
import type { SessionHandles } from './handles.ts'
import { type ListDeps, listSessions } from './list.ts'

export interface RevokeDeps {
  readonly handles: SessionHandles
  readonly listDeps: ListDeps
  readonly base: string
  currentSession(
    request: FastifyRequest,
    reply: FastifyReply,
    returnTo: string,
  ): Promise<LiveSession | FastifyReply>
}

type Target = { kind: 'one'; id: string } | { kind: 'all' }

function bad(detail: string): never {
  throw new GateError('BAD_REQUEST', { detail })
}

/** `{"session": id}` or `{"all": true}` (JSON), `session=id` or `all=true` (a form): exactly one. */
function readTarget(body: unknown, handles: SessionHandles): Target {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) bad('revoke: no body')
  const { session, all, ...rest } = body as Record<string, unknown>
  if (Object.keys(rest).length > 0) bad('revoke: unknown fields')
  if (session !== undefined && all !== undefined) bad('revoke: both session and all')
  if (all === true || all === 'true') return { kind: 'all' }
  if (handles.wellFormed(session)) return { kind: 'one', id: session }
  bad('revoke: expected {"session": id} or {"all": true}')
}

/**
 * `POST <prefix>/sessions/revoke`: ends one of the user's sessions, or every one but this one, in
 * every replica (the store's invalidations); its provider tokens are destroyed in the background
 * as for a logout (the token reaper), so a slow FxA never holds the user up.
 * Only a request from fxa-gate's own origin may (Sec-Fetch-Site, or Origin when a browser sends no
 * Sec-Fetch-Site); a browser that says neither is refused: another site's form must never end a
 * session. Only the user's own sessions can be named: ids are looked up in their list.
 */
export function createRevokeHandler(ctx: GateContext, deps: RevokeDeps) {
  const { config } = ctx
  const publicOrigin = ctx.returnUrls.publicOrigin
  const scheme = new URL(publicOrigin).protocol
  // fxa-gate's public origin, or the origin this request was sent to (a sidecar on several hosts).
  const ownOrigin = (request: FastifyRequest) => (origin: string) =>
    origin === publicOrigin || origin === `${scheme}//${request.headers.host ?? ''}`

  async function end(key: SessionKey): Promise<void> {
    await ctx.sessions.end(key, 'logout')
  }

  return {
    /** onRequest: refused before any body is read. */
    async sameOriginOnly(request: FastifyRequest, reply: FastifyReply) {
      const site = requestSite(request.headers, ownOrigin(request))
      if (site === 'same-origin') return undefined
      request.log.info({ site }, 'session revocation refused: not same-origin')
      return replyError(request, reply, new GateError('SESSIONS_NOT_SAME_ORIGIN'))
    },

    async handler(request: FastifyRequest, reply: FastifyReply) {
      const target = readTarget(request.body, deps.handles)
      const session = await deps.currentSession(request, reply, deps.base)
      if (!('record' in session)) return session
      const listed = await listSessions(deps.listDeps, session.record.uid, session.key)
      const chosen =
        target.kind === 'all'
          ? listed.filter((entry) => !entry.summary.current)
          : listed.filter((entry) => deps.handles.matches(target.id, entry.key))
      if (target.kind === 'one' && chosen.length === 0) throw new GateError('SESSION_NOT_FOUND')
      await Promise.all(chosen.map((entry) => end(entry.key)))
      const endedCurrent = chosen.some((entry) => entry.summary.current)
      request.log.info(
        { uid: session.record.uid, ended: chosen.length, all: target.kind === 'all' },
        'sessions revoked by their user',
      )
      reply.header('cache-control', 'no-store')
      if (endedCurrent) reply.header('set-cookie', clearCookie(config.cookie, config.cookie.sessionName))
      if (!isNavigation(request.headers)) return reply.send({ revoked: chosen.length })
      const next = endedCurrent
        ? `${config.prefix}/signed-out`
        : `${deps.base}?ended=${target.kind === 'all' ? 'all' : 'one'}`
      return reply.redirect(next, 303)
    },
  }
}
