import type { FastifyReply, FastifyRequest } from 'fastify'
import type { GateContext } from '../context.ts'
import { GateError } from '../errors.ts'
import { readCookie } from '../http/cookies.ts'
import { replyError } from '../http/error-reply.ts'
import { identityFromSession } from '../identity/identity.ts'

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
      ...identityFromSession(record),
      loginAt: new Date(record.loginAt).toISOString(),
      ...(record.authAt === undefined ? {} : { authAt: new Date(record.authAt).toISOString() }),
      expiresAt: new Date(record.expiresAt).toISOString(),
    })
  }
}
