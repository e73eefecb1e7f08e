import type { FastifyReply, FastifyRequest } from 'fastify'
import * as oidc from 'openid-client'
import type { GateContext } from '../context.ts'
import { readCookie, setCookie } from '../http/cookies.ts'
import { resolveReturnUrl } from '../redirect/return-url.ts'
import { answerNotedRefusal } from './noted-refusal.ts'
import { addPending, readPending } from './pending.ts'
import { passThroughParameters, type Query, single } from './query.ts'

/**
 * `GET <prefix>/start?rd=…` — remembers the login in this browser and sends it to the provider;
 * unless ingress-nginx sent a refused, signed-in browser here (see noted-refusal.ts).
 */
export function createStartHandler(ctx: GateContext) {
  const { config } = ctx
  return async function start(request: FastifyRequest, reply: FastifyReply) {
    const query = request.query as Query
    const returnTo = resolveReturnUrl(ctx.returnUrls, single(query, 'rd'))
    const extra = passThroughParameters(query)
    const refused = await answerNotedRefusal(ctx, request, reply, returnTo)
    if (refused !== undefined) return refused
    // Fail before the user types a password if the session could not be stored afterwards.
    await ctx.store.ping()

    const state = oidc.randomState()
    const verifier = config.publicClient ? oidc.randomPKCECodeVerifier() : undefined
    const codeChallenge = verifier === undefined ? undefined : await oidc.calculatePKCECodeChallenge(verifier)
    const location = await ctx.provider.authorizationUrl({ state, codeChallenge, extra })

    const now = ctx.clock()
    const pending = await readPending(
      ctx.keys.login,
      readCookie(request.headers.cookie, config.cookie.loginName),
      now,
      config.loginTimeout,
    )
    const stepUp = extra['acr_values'] === 'AAL2' ? true : undefined
    const cookie = await addPending(ctx.keys.login, pending, {
      state,
      verifier,
      returnTo,
      startedAt: now,
      stepUp,
    })
    ctx.metrics.logins.inc({ outcome: 'started' })
    return reply
      .header('set-cookie', setCookie(config.cookie, config.cookie.loginName, cookie, config.loginTimeout))
      .header('cache-control', 'no-store')
      .redirect(location, 302)
  }
}
