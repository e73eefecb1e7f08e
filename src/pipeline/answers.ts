import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config/derive.ts'
import { type Decision, describeUnmet } from '../decision/decide.ts'
import { GateError } from '../errors.ts'
import { replyError } from '../http/error-reply.ts'
import { isNavigation } from '../http/navigation.ts'
import type { DecisionEndpoint } from '../observability/metric-definitions.ts'
import type { Metrics } from '../observability/metrics.ts'
import { type Exchange, noteDecision, noteRefusal } from '../observability/request-context.ts'
import { forbiddenPage } from '../pages/forbidden-page.ts'
import type { Pages } from '../pages/pages.ts'
import type { Verdict } from './pipeline.ts'

export type Forbidden = Extract<Decision, { kind: 'forbidden' }>

/** 401 that an API client, an XHR or a proxy can act on: the login URL in a header and the body. */
export function unauthenticated(
  request: FastifyRequest,
  reply: FastifyReply,
  loginUrl: string,
): FastifyReply {
  reply.header('www-authenticate', 'Bearer realm="fxa-gate"').header('location', loginUrl)
  return replyError(request, reply, new GateError('UNAUTHENTICATED'), { loginUrl }, 'json')
}

/**
 * The answer for proxies that pass non-2xx answers to the client (Traefik, Caddy, Envoy, and the
 * sidecar itself): a browser navigation is sent to the login, everything else gets a 401 it can
 * act on.
 */
export function redirectOrUnauthenticated(
  request: FastifyRequest,
  reply: FastifyReply,
  loginUrl: string,
): FastifyReply {
  if (isNavigation(request.headers)) return reply.header('cache-control', 'no-store').redirect(loginUrl, 302)
  return unauthenticated(request, reply, loginUrl)
}

/**
 * 403 for API clients (and for nginx, which shows its own page). The requirement that failed (which
 * the client is not told) and whose it was go on the one refusal line, written with host, path, uid
 * and request id when the answer ends.
 */
export function forbidden(request: FastifyRequest, reply: FastifyReply, decision: Forbidden): FastifyReply {
  noteForbidden(request, decision)
  return replyError(request, reply, new GateError('FORBIDDEN'), {}, 'json')
}

function noteForbidden(request: FastifyRequest, decision: Forbidden): void {
  noteRefusal(request, { code: 'FORBIDDEN', detail: describeUnmet(decision.unmet), source: decision.source })
}

/** Where a browser goes next when it is refused, if not to a page. */
export function forbiddenRedirect(config: Config, decision: Forbidden): string | undefined {
  const { unmet, identity, url } = decision
  // Two-step authentication can be asked for at the provider; only a browser session can go there.
  if (unmet.kind === 'aal' && unmet.required <= 2 && identity.auth === 'session' && identity.aal < 2) {
    return `${config.loginUrl}?${new URLSearchParams({ rd: url, acr_values: 'AAL2' })}`
  }
  if (unmet.kind === 'capability' && config.subscribeUrl !== undefined) {
    const target = new URL(config.subscribeUrl)
    target.searchParams.set('capability', unmet.capability)
    target.searchParams.set('return_url', url)
    return target.href
  }
  return undefined
}

/**
 * The refusal behind ingress-nginx, which shows its own page for a 403 and redirects only a 401 (to
 * `auth-signin`, fxa-gate's `/start`). A browser session's refused navigation gets 401 and a note
 * of what failed, so `/start` can show the page, step up or send to the subscription page instead
 * of signing in again. API calls and bearer tokens keep their 403.
 */
export function createNginxForbiddenAnswer(pages: Pages, clock: () => number) {
  return async function nginxForbidden(request: FastifyRequest, reply: FastifyReply, decision: Forbidden) {
    if (!isNavigation(request.headers) || decision.identity.auth !== 'session')
      return forbidden(request, reply, decision)
    noteForbidden(request, decision)
    const note = await pages.denials.write(decision.identity.uid, decision.unmet, clock())
    return reply
      .code(401)
      .header('set-cookie', note)
      .header('cache-control', 'no-store')
      .header('www-authenticate', 'Bearer realm="fxa-gate"')
      .type('application/json')
      .send({ error: 'FORBIDDEN', message: new GateError('FORBIDDEN').message, reference: request.id })
  }
}

/**
 * The refusal of transports that answer the browser directly (the sidecar, Traefik, Caddy, Envoy):
 * an API client gets JSON 403; a browser navigation is sent on when something can let it in (a
 * step-up to two-step authentication, the subscription page), and otherwise gets the 403 page in
 * its language saying which requirement failed.
 */
export function createForbiddenAnswer(config: Config, pages: Pages) {
  return function forbiddenAnswer(request: FastifyRequest, reply: FastifyReply, decision: Forbidden) {
    if (!isNavigation(request.headers)) return forbidden(request, reply, decision)
    noteForbidden(request, decision)
    const next = forbiddenRedirect(config, decision)
    if (next !== undefined) return reply.header('cache-control', 'no-store').redirect(next, 302)
    const input = { ...decision, planNames: pages.planNames }
    return pages.send(request, reply, forbiddenPage(input, pages.links))
  }
}

/**
 * Counts what a decision ended in, and notes on the request what it was about and whose it was
 * (for the access log and the refusal line); success is counted, never logged per request.
 */
export function createDecisionCounter(metrics: Metrics, endpoint: DecisionEndpoint) {
  // Labelled children resolved once: a label lookup per request costs more than the increment.
  const counters = {
    allow: metrics.decisions.labels(endpoint, 'allow'),
    unauthenticated: metrics.decisions.labels(endpoint, 'unauthenticated'),
    forbidden: metrics.decisions.labels(endpoint, 'forbidden'),
  }
  return (request: Exchange, verdict: Verdict) => {
    counters[verdict.decision.kind].inc()
    noteDecision(request, verdict.description, verdict.decision.kind, verdict.identity)
  }
}
