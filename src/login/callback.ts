import type { FastifyReply, FastifyRequest } from 'fastify'
import type { GateContext } from '../context.ts'
import { GateError } from '../errors.ts'
import { clearCookie, readCookie, setCookie } from '../http/cookies.ts'
import { notePageHints } from '../http/error-reply.ts'
import { compileTrustedPeers } from '../http/trusted-peers.ts'
import { stepUpPage } from '../pages/forbidden-page.ts'
import { clientFacts } from '../user-sessions/client-facts.ts'
import { beginLogin } from './begin.ts'
import { type PendingLogin, readPending, sealPending, takePending } from './pending.ts'
import { type Query, single } from './query.ts'

/** What a provider answers a silent login (`prompt=none`) that needs the user: ask them, once. */
const SILENT_REFUSALS = new Set([
  'login_required',
  'interaction_required',
  'consent_required',
  'account_selection_required',
])

/**
 * `GET <prefix>/callback` — checks that the answer belongs to a login this browser started, trades
 * the code for tokens, and starts a session under a new id. A step-up (a login that asked for
 * two-step authentication) that comes back without it, or cancelled, ends on a page explaining how
 * to turn two-step on, never on another redirect: no loop.
 */
export function createCallbackHandler(ctx: GateContext) {
  const { config } = ctx
  const trustedPeer = compileTrustedPeers(config.trustedProxies)
  return async function callback(request: FastifyRequest, reply: FastifyReply) {
    const query = request.query as Query
    const state = single(query, 'state')
    const now = ctx.clock()
    const pending = await readPending(
      ctx.keys.login,
      readCookie(request.headers.cookie, config.cookie.loginName),
      now,
      config.loginTimeout,
    )
    try {
      if (pending.length === 0) throw new GateError('LOGIN_STATE_MISSING')
      if (state === undefined || state.length === 0 || state.length > 512)
        throw new GateError('LOGIN_CALLBACK_INVALID', { detail: 'state' })
      const { match, rest } = takePending(pending, state)
      if (match === undefined) throw new GateError('LOGIN_STATE_MISMATCH')
      const error = single(query, 'error')
      if (match.silent !== undefined && error !== undefined && SILENT_REFUSALS.has(error)) {
        // The new login is interactive, so it cannot end here again: no loop.
        ctx.metrics.logins.inc({ outcome: 'silent_fallback' })
        return await beginLogin(ctx, request, reply, {
          returnTo: match.returnTo,
          extra: match.silent.extra,
          pending: rest,
        })
      }
      notePageHints(request, { returnTo: match.returnTo })
      // This attempt is used up whatever happens next: its state can never be replayed.
      reply.header('set-cookie', await pendingCookie(rest))

      const rawQuery = request.url.slice(request.url.indexOf('?') + 1)
      const login = await ctx.provider
        .completeLogin(rawQuery, { state: match.state, codeVerifier: match.verifier })
        .catch((error: unknown) => {
          if (match.stepUp && error instanceof GateError && error.code === 'LOGIN_DENIED') return undefined
          throw error
        })
      if (login === undefined) return stepUpRefused(request, reply, match, 'step_up_cancelled')
      const facts = clientFacts(request.headers, request.socket.remoteAddress, trustedPeer)
      const { cookieValue } = await ctx.sessions.start({ ...login.fields, ...facts }, login.tokens)
      await endPreviousSession(request)
      ctx.metrics.logins.inc({ outcome: 'succeeded' })
      request.log.info({ uid: login.fields.uid }, 'login succeeded')
      reply
        .header(
          'set-cookie',
          setCookie(config.cookie, config.cookie.sessionName, cookieValue, config.sessionAbsoluteTtl),
        )
        .header('cache-control', 'no-store')
      // Signed in, but not with the second step the area asks for: say how, do not ask again.
      if (match.stepUp && login.fields.aal < 2) return stepUpRefused(request, reply, match, 'step_up_failed')
      return reply.redirect(match.returnTo, 302)
    } catch (error) {
      ctx.metrics.logins.inc({ outcome: error instanceof GateError ? error.code : 'INTERNAL' })
      throw error
    }
  }

  function stepUpRefused(
    request: FastifyRequest,
    reply: FastifyReply,
    match: PendingLogin,
    outcome: 'step_up_failed' | 'step_up_cancelled',
  ) {
    ctx.metrics.logins.inc({ outcome })
    request.log.info({ outcome }, 'step-up without two-step authentication')
    return ctx.pages.send(request, reply, stepUpPage(ctx.pages.links, match.returnTo))
  }

  function pendingCookie(rest: Parameters<typeof sealPending>[1]): Promise<string> | string {
    if (rest.length === 0) return clearCookie(config.cookie, config.cookie.loginName)
    return sealPending(ctx.keys.login, rest).then((value) =>
      setCookie(config.cookie, config.cookie.loginName, value, config.loginTimeout),
    )
  }

  /** A session the browser held before this login ends now (no fixation, no orphan). */
  async function endPreviousSession(request: FastifyRequest) {
    const previous = await ctx.sessions
      .resolve(readCookie(request.headers.cookie, config.cookie.sessionName))
      .catch(() => null)
    if (previous) await ctx.sessions.end(previous.key, 'replaced').catch(() => undefined)
  }
}
