import type { FastifyReply, FastifyRequest } from 'fastify'
import { GateError } from '../errors.ts'
import { encodeHeaderValue } from '../headers/identity-headers.ts'
import type { TransportDeps } from '../pipeline/deps.ts'
import type { Verdict } from '../pipeline/pipeline.ts'
import type { Answers } from '../pipeline/transport.ts'

/** The single value of a header the proxy sets; duplicates mean someone else set it too. */
export function proxyHeader(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name]
  if (Array.isArray(value)) throw new GateError('BAD_REQUEST', { detail: `duplicate ${name}` })
  return value
}

/**
 * The forward-auth allow: 200 with the identity headers, the user's node, the signed assertion (the
 * service's audience and lifetime), and how long the proxy may cache the answer: never longer than
 * the assertion in it stays valid.
 */
export function createAllowAnswer(deps: TransportDeps) {
  const { identityHeaders, assertions, clock } = deps
  const maxTtl = Math.floor(deps.config.authCacheTtl / 1000)
  return async function allow(reply: FastifyReply, verdict: Verdict): Promise<FastifyReply> {
    const { identity, node } = verdict
    let ttl = maxTtl
    reply.code(200).headers(identityHeaders.headersFor(identity))
    if (identity !== null) {
      const signer = assertions.signerFor(verdict.service)
      const assertion = signer.cachedFor(identity, node) ?? (await signer.assertionFor(identity, node))
      reply.header(identityHeaders.assertion, assertion.token)
      if (node !== undefined) reply.header(identityHeaders.node, encodeHeaderValue(node))
      ttl = Math.min(ttl, Math.floor((assertion.expiresAt - clock()) / 1000) - 1)
    }
    // Not `private`: nginx's proxy_cache (ingress-nginx auth-cache-key) stores nothing marked so, and
    // that proxy is the cache meant here. Vary keeps one credential's answer from another's.
    reply
      .header('cache-control', identity !== null && ttl > 0 ? `max-age=${ttl}` : 'no-store')
      .header('vary', 'Cookie, Authorization')
    return reply.send()
  }
}

/**
 * The table of answers of a forward-auth endpoint: the allow above, and the endpoint's own ways to
 * say "sign in" and "not you" (nginx must never redirect and shows its own pages; Traefik and Envoy
 * pass a redirect or a page to the browser).
 */
export function forwardAuthAnswers(
  deps: TransportDeps,
  unauthenticated: Answers<undefined>['unauthenticated'],
  forbidden: Answers<undefined>['forbidden'],
): Answers<undefined> {
  const allow = createAllowAnswer(deps)
  return {
    allow: (_request, reply, verdict) => allow(reply, verdict),
    unauthenticated,
    forbidden,
  }
}
