import type { FastifyInstance } from 'fastify'
import type { GateContext } from '../context.ts'
import { signedOutPage } from '../pages/signed-out-page.ts'
import { createCallbackHandler } from './callback.ts'
import { createLogoutRoute } from './logout.ts'
import { createStartHandler } from './start.ts'
import { createUserinfoHandler } from './userinfo.ts'

/** The browser-facing login endpoints under the prefix. */
export async function loginRoutes(app: FastifyInstance, ctx: GateContext): Promise<void> {
  const prefix = ctx.config.prefix
  // A logout form posts a body we do not need; accept it (bounded) instead of answering 415.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 4096 },
    (_request, _body, done) => done(null, {}),
  )
  app.get(`${prefix}/start`, createStartHandler(ctx))
  app.get(`${prefix}/callback`, createCallbackHandler(ctx))
  app.route({ method: ['GET', 'POST'], url: `${prefix}/logout`, ...createLogoutRoute(ctx) })
  app.get(`${prefix}/userinfo`, createUserinfoHandler(ctx))
  const signedOut = signedOutPage(ctx.pages.links)
  app.get(`${prefix}/signed-out`, (request, reply) => ctx.pages.send(request, reply, signedOut))
}
