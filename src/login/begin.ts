import type { FastifyReply, FastifyRequest } from 'fastify'
import * as oidc from 'openid-client'
import type { GateContext } from '../context.ts'
import { readCookie, setCookie } from '../http/cookies.ts'
import { addPending, type PendingLogin, readPending } from './pending.ts'

/**
 * Sends the browser to the provider for a new login: a fresh `state` (and PKCE verifier for a
 * public client) remembered in the pending-login cookie with the return URL. The one way a login
 * starts, from `/start` and from a silent login's fallback.
 */
export async function beginLogin(
  ctx: GateContext,
  request: FastifyRequest,
  reply: FastifyReply,
  login: {
    readonly returnTo: string
    readonly extra: Readonly<Record<string, string>>
    /** The pending logins to keep besides the new one (default: those in the browser's cookie). */
    readonly pending?: readonly PendingLogin[]
  },
): Promise<FastifyReply> {
  const { config } = ctx
  const state = oidc.randomState()
  const verifier = config.publicClient ? oidc.randomPKCECodeVerifier() : undefined
  const codeChallenge = verifier === undefined ? undefined : await oidc.calculatePKCECodeChallenge(verifier)
  const location = await ctx.provider.authorizationUrl({ state, codeChallenge, extra: login.extra })

  const now = ctx.clock()
  const pending =
    login.pending ??
    (await readPending(
      ctx.keys.login,
      readCookie(request.headers.cookie, config.cookie.loginName),
      now,
      config.loginTimeout,
    ))
  const entry: PendingLogin = {
    state,
    verifier,
    returnTo: login.returnTo,
    startedAt: now,
    // A login asking for two-step authentication is a step-up (the callback says so if it fails).
    ...(login.extra['acr_values'] === 'AAL2' ? { stepUp: true as const } : {}),
    ...(login.extra['prompt'] === 'none' ? { silent: { extra: withoutPrompt(login.extra) } } : {}),
  }
  const cookie = await addPending(ctx.keys.login, pending, entry)
  ctx.metrics.logins.inc({ outcome: 'started' })
  return reply
    .header('set-cookie', setCookie(config.cookie, config.cookie.loginName, cookie, config.loginTimeout))
    .header('cache-control', 'no-store')
    .redirect(location, 302)
}

function withoutPrompt(extra: Readonly<Record<string, string>>): Record<string, string> {
  const { prompt: _silent, ...rest } = extra
  return rest
}
