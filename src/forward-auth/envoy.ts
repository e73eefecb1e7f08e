import type { FastifyReply, FastifyRequest } from 'fastify'
import type { GateContext } from '../context.ts'
import { authenticate } from '../decision/credentials.ts'
import { decide } from '../decision/decide.ts'
import { describeCached } from '../decision/request.ts'
import { GateError } from '../errors.ts'
import type { Identity } from '../identity/identity.ts'
import { allow, createDecisionCounter, forbidden, proxyHeader, redirectOrUnauthenticated } from './answer.ts'

/**
 * `<prefix>/auth/envoy/*` — Envoy ext_authz (HTTP service, `path_prefix` = this path). Method and
 * path come from the check request itself, the host from `Host`. Envoy forwards non-200 answers
 * to the client, and removes the headers named in x-envoy-auth-headers-to-remove.
 */
export function createEnvoyHandler(ctx: GateContext) {
  const base = `${ctx.config.prefix}/auth/envoy`
  const { names, assertion } = ctx.identityHeaders
  const toRemove = names.join(',')
  const count = createDecisionCounter(ctx, 'envoy')
  const unsetNames = (identity: Identity) => {
    const set = ctx.identityHeaders.headersFor(identity)
    // The assertion is not among them: allow() adds it to every answer with an identity.
    return names.filter((name) => name !== assertion && !(name in set)).join(',')
  }
  return async function envoy(request: FastifyRequest, reply: FastifyReply) {
    const target = request.url.slice(base.length) || '/'
    const host = proxyHeader(request, 'host')
    if (host === undefined) throw new GateError('BAD_REQUEST', { detail: 'Host missing' })
    const trusted = ctx.trustedPeer(request.socket.remoteAddress)
    const description = describeCached({
      method: request.method,
      scheme: (trusted ? proxyHeader(request, 'x-forwarded-proto') : undefined) ?? 'https',
      host,
      target: target.startsWith('/') ? target : `/${target}`,
    })
    const decision = decide(
      description,
      await authenticate(ctx, request.headers, { rawHeaders: request.raw.rawHeaders, url: description.url }),
      ctx.policy,
    )
    count(request, description, decision)
    // Envoy overwrites the headers an answer sets (headersToBackend) and keeps a client's copy of
    // any other: name those for removal (Envoy removes after it sets).
    if (decision.kind === 'allow' && decision.identity !== null) {
      const unset = unsetNames(decision.identity)
      if (unset !== '') reply.header('x-envoy-auth-headers-to-remove', unset)
    } else {
      reply.header('x-envoy-auth-headers-to-remove', toRemove)
    }
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
