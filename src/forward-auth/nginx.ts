import type { FastifyReply, FastifyRequest } from 'fastify'
import type { GateContext } from '../context.ts'
import { authenticate } from '../decision/credentials.ts'
import { decide } from '../decision/decide.ts'
import { describeUrl } from '../decision/request.ts'
import { GateError } from '../errors.ts'
import { allow, createDecisionCounter, forbidden, proxyHeader, unauthenticated } from './answer.ts'
import type { createQueryRequirements } from './requirements-query.ts'

/**
 * `<prefix>/auth/nginx` — ingress-nginx `auth-url` / nginx `auth_request`. The request is
 * described by X-Original-URL and X-Original-Method only: nginx overwrites those, while it passes
 * a client's X-Forwarded-* through untouched. Never redirects (nginx turns a 3xx into a 500).
 */
export function createNginxHandler(
  ctx: GateContext,
  requirementsOf: ReturnType<typeof createQueryRequirements>,
) {
  const count = createDecisionCounter(ctx, 'nginx')
  return async function nginx(request: FastifyRequest, reply: FastifyReply) {
    const originalUrl = proxyHeader(request, 'x-original-url')
    if (originalUrl === undefined) throw new GateError('BAD_REQUEST', { detail: 'X-Original-URL missing' })
    const description = describeUrl(proxyHeader(request, 'x-original-method') ?? 'GET', originalUrl)
    const extra = requirementsOf(request.url)
    const decision = decide(
      description,
      await authenticate(ctx, request.headers, { rawHeaders: request.raw.rawHeaders, url: description.url }),
      ctx.policy,
      extra,
    )
    count(request, description, decision)
    switch (decision.kind) {
      case 'allow':
        return allow(ctx, reply, decision.identity)
      case 'unauthenticated':
        return unauthenticated(request, reply, decision.loginUrl)
      case 'forbidden':
        return forbidden(request, reply, decision.reason)
    }
  }
}
