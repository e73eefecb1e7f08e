import type { FastifyReply, FastifyRequest } from 'fastify'
import type { GateContext } from '../context.ts'
import { resolveReturnUrl } from '../redirect/return-url.ts'
import { beginLogin } from './begin.ts'
import { answerNotedRefusal } from './noted-refusal.ts'
import { passThroughParameters, type Query, single } from './query.ts'

/**
 * `GET <prefix>/start?rd=…` — remembers the login in this browser and sends it to the provider;
 * unless ingress-nginx sent a refused, signed-in browser here (see noted-refusal.ts).
 */
export function createStartHandler(ctx: GateContext) {
  return async function start(request: FastifyRequest, reply: FastifyReply) {
    const query = request.query as Query
    const returnTo = resolveReturnUrl(ctx.returnUrls, single(query, 'rd'))
    const extra = passThroughParameters(query)
    const refused = await answerNotedRefusal(ctx, request, reply, returnTo)
    if (refused !== undefined) return refused
    // Fail before the user types a password if the session could not be stored afterwards.
    await ctx.store.ping()
    return beginLogin(ctx, request, reply, { returnTo, extra })
  }
}
