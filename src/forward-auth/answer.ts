import type { FastifyReply, FastifyRequest } from 'fastify'
import type { GateContext } from '../context.ts'
import type { Decision } from '../decision/decide.ts'
import type { RequestDescription } from '../decision/request.ts'
import { GateError } from '../errors.ts'
import { replyError } from '../http/error-reply.ts'
import { isNavigation } from '../http/navigation.ts'
import type { Identity } from '../identity/identity.ts'
import type { DecisionEndpoint } from '../observability/metric-definitions.ts'
import { noteDecision, noteRefusal } from '../observability/request-context.ts'

/** The single value of a header the proxy sets; duplicates mean someone else set it too. */
export function proxyHeader(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name]
  if (Array.isArray(value)) throw new GateError('BAD_REQUEST', { detail: `duplicate ${name}` })
  return value
}

/**
 * 200 with the identity headers, the signed assertion, and how long the proxy may cache the answer:
 * never longer than the assertion in it stays valid.
 */
export async function allow(
  ctx: GateContext,
  reply: FastifyReply,
  identity: Identity | null,
): Promise<FastifyReply> {
  let ttl = Math.floor(ctx.config.authCacheTtl / 1000)
  reply.code(200).headers(ctx.identityHeaders.headersFor(identity))
  if (identity !== null) {
    const assertion = ctx.assertions.cachedFor(identity) ?? (await ctx.assertions.assertionFor(identity))
    reply.header(ctx.identityHeaders.assertion, assertion.token)
    ttl = Math.min(ttl, Math.floor((assertion.expiresAt - ctx.clock()) / 1000) - 1)
  }
  // Not `private`: nginx's proxy_cache (ingress-nginx auth-cache-key) stores nothing marked so, and
  // that proxy is the cache meant here. Vary keeps one credential's answer from another's.
  reply
    .header('cache-control', identity !== null && ttl > 0 ? `max-age=${ttl}` : 'no-store')
    .header('vary', 'Cookie, Authorization')
  return reply.send()
}

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
 * The answer for proxies that pass non-2xx answers to the client (Traefik, Caddy, Envoy): a
 * browser navigation is sent to the login, everything else gets a 401 it can act on.
 */
export function redirectOrUnauthenticated(
  request: FastifyRequest,
  reply: FastifyReply,
  loginUrl: string,
): FastifyReply {
  if (isNavigation(request.headers)) return reply.header('cache-control', 'no-store').redirect(loginUrl, 302)
  return unauthenticated(request, reply, loginUrl)
}

/** 403; the refusal line (host, path, uid, reason, request id) is written when the answer ends. */
export function forbidden(request: FastifyRequest, reply: FastifyReply, reason: string): FastifyReply {
  noteRefusal(request, { code: 'FORBIDDEN', detail: reason })
  return replyError(request, reply, new GateError('FORBIDDEN'), {}, 'json')
}

/**
 * Counts what a decision ended in, and notes it on the request for the access log and the refusal
 * line (which request it was about, whose); success is counted, never logged per request.
 */
export function createDecisionCounter(ctx: GateContext, endpoint: DecisionEndpoint) {
  const counters = {
    allow: ctx.metrics.decisions.labels(endpoint, 'allow'),
    unauthenticated: ctx.metrics.decisions.labels(endpoint, 'unauthenticated'),
    forbidden: ctx.metrics.decisions.labels(endpoint, 'forbidden'),
  }
  return (request: FastifyRequest, description: RequestDescription, decision: Decision) => {
    counters[decision.kind].inc()
    noteDecision(request, description, decision)
  }
}
