import type { FastifyReply, FastifyRequest } from 'fastify'
import { type Decision, describeUnmet } from '../decision/decide.ts'
import { GateError } from '../errors.ts'
import { replyError } from '../http/error-reply.ts'
import { isNavigation } from '../http/navigation.ts'
import type { DecisionEndpoint } from '../observability/metric-definitions.ts'
import type { Metrics } from '../observability/metrics.ts'
import { noteDecision, noteRefusal } from '../observability/request-context.ts'
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
 * 403. The requirement that failed (which the client is not told) and whose it was go on the one
 * refusal line, written with host, path, uid and request id when the answer ends.
 */
export function forbidden(request: FastifyRequest, reply: FastifyReply, decision: Forbidden): FastifyReply {
  noteRefusal(request, { code: 'FORBIDDEN', detail: describeUnmet(decision.unmet), source: decision.source })
  return replyError(request, reply, new GateError('FORBIDDEN'), {}, 'json')
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
  return (request: FastifyRequest, verdict: Verdict) => {
    counters[verdict.decision.kind].inc()
    noteDecision(request, verdict.description, verdict.decision.kind, verdict.identity)
  }
}
