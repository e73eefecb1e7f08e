import type { FastifyReply, FastifyRequest } from 'fastify'
import type { GateContext } from '../context.ts'
import { GateError } from '../errors.ts'
import { clearCookie, readCookie, setCookie } from '../http/cookies.ts'
import { beginLogin } from './begin.ts'
import { readPending, sealPending, takePending } from './pending.ts'
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
 * the code for tokens, and starts a session under a new id.
 */
export function createCallbackHandler(ctx: GateContext) {
  const { config } = ctx
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
      // This attempt is used up whatever happens next: its state can never be replayed.
      reply.header('set-cookie', await pendingCookie(rest))

      const rawQuery = request.url.slice(request.url.indexOf('?') + 1)
      const login = await ctx.provider.completeLogin(rawQuery, {
        state: match.state,
        codeVerifier: match.verifier,
      })
      const { cookieValue } = await ctx.sessions.start(login.fields, login.tokens)
      await endPreviousSession(request)
      ctx.metrics.logins.inc({ outcome: 'succeeded' })
      request.log.info({ uid: login.fields.uid }, 'login succeeded')
      return reply
        .header(
          'set-cookie',
          setCookie(config.cookie, config.cookie.sessionName, cookieValue, config.sessionAbsoluteTtl),
        )
        .header('cache-control', 'no-store')
        .redirect(match.returnTo, 302)
    } catch (error) {
      ctx.metrics.logins.inc({ outcome: error instanceof GateError ? error.code : 'INTERNAL' })
      throw error
    }
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
