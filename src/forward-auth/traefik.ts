import type { FastifyReply, FastifyRequest } from 'fastify'
import type { GateContext } from '../context.ts'
import { authenticate } from '../decision/credentials.ts'
import { decide } from '../decision/decide.ts'
import { describeCached } from '../decision/request.ts'
import { GateError } from '../errors.ts'
import { allow, createDecisionCounter, forbidden, proxyHeader, redirectOrUnauthenticated } from './answer.ts'
import type { createQueryRequirements } from './requirements-query.ts'

/**
 * `<prefix>/auth/traefik` — Traefik ForwardAuth and Caddy `forward_auth`. The request is
 * described by X-Forwarded-Method/-Proto/-Host/-Uri, believed only from trusted peer addresses.
 * These proxies pass non-2xx answers to the client, so a browser navigation gets the login
 * redirect directly.
 */
export function createTraefikHandler(
  ctx: GateContext,
  requirementsOf: ReturnType<typeof createQueryRequirements>,
) {
  const count = createDecisionCounter(ctx, 'traefik')
  return async function traefik(request: FastifyRequest, reply: FastifyReply) {
    if (!ctx.trustedPeer(request.socket.remoteAddress)) {
      throw new GateError('UNTRUSTED_PEER', { detail: `peer ${request.socket.remoteAddress}` })
    }
    const host = proxyHeader(request, 'x-forwarded-host')
    const uri = proxyHeader(request, 'x-forwarded-uri')
    if (host === undefined || uri === undefined) {
      throw new GateError('BAD_REQUEST', { detail: 'X-Forwarded-Host or X-Forwarded-Uri missing' })
    }
    const description = describeCached({
      method: proxyHeader(request, 'x-forwarded-method') ?? 'GET',
      scheme: proxyHeader(request, 'x-forwarded-proto') ?? 'https',
      host,
      target: uri,
    })
    const decision = decide(
      description,
      await authenticate(ctx, request.headers, { rawHeaders: request.raw.rawHeaders, url: description.url }),
      ctx.policy,
      requirementsOf(request.url),
    )
    count(request, description, decision)
    switch (decision.kind) {
      case 'allow':
        return allow(ctx, reply, decision.identity)
      case 'unauthenticated':
        return redirectOrUnauthenticated(request, reply, decision.loginUrl)
      case 'forbidden':
        return forbidden(request, reply, decision.reason)
    }
  }
}
