import type { FastifyReply, FastifyRequest } from 'fastify'
import type { GateContext } from '../context.ts'
import { GateError } from '../errors.ts'
import { readCookie } from '../http/cookies.ts'
import { replyError } from '../http/error-reply.ts'

/** `GET <prefix>/userinfo` — the current identity as JSON, or 401 JSON with the login URL. */
export function createUserinfoHandler(ctx: GateContext) {
  const { config } = ctx
  const loginUrl = `${config.publicOrigin}${config.prefix}/start`
  return async function userinfo(request: FastifyRequest, reply: FastifyReply) {
    const session = await ctx.sessions.resolve(readCookie(request.headers.cookie, config.cookie.sessionName))
    if (!session) {
      reply.header('www-authenticate', `Bearer realm="fxa-gate"`)
      return replyError(request, reply, new GateError('UNAUTHENTICATED'), { loginUrl }, 'json')
    }
    const { record } = session
    return reply.header('cache-control', 'no-store').send({
      uid: record.uid,
      email: record.email,
      displayName: record.displayName,
      locale: record.locale,
      avatar: record.avatar,
      subscriptions: record.subscriptions,
      scopes: record.scopes,
      aal: record.aal,
      auth: 'session',
      loginAt: new Date(record.loginAt).toISOString(),
      expiresAt: new Date(record.expiresAt).toISOString(),
    })
  }
}
