import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { GateContext } from '../context.ts'

/** Every Authorization value of a request: Node keeps only the first of repeated lines. */
function authorizationValues(rawHeaders: readonly string[]): string[] {
  const values: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === 'authorization') values.push(rawHeaders[i + 1]!)
  }
  return values
}

/**
 * `POST <prefix>/events/fxa` — FxA's account events (Security Event Tokens) for this client, to
 * register with FxA as the client's webhook URL. The token is the Authorization header; a body, if
 * any, is drained unread.
 */
export async function accountEventRoutes(app: FastifyInstance, ctx: GateContext): Promise<void> {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { bodyLimit: 64 * 1024 }, (_request, payload, done) => {
    payload.resume()
    payload.on('end', () => done(null, undefined))
    payload.on('error', done)
  })
  app.post(`${ctx.config.prefix}/events/fxa`, async (request: FastifyRequest, reply: FastifyReply) => {
    const receipt = await ctx.accountEvents(authorizationValues(request.raw.rawHeaders))
    return reply.header('cache-control', 'no-store').send({ status: receipt.kind })
  })
}
