import { GateError } from '../errors.ts'
import { createForbiddenAnswer, redirectOrUnauthenticated } from '../pipeline/answers.ts'
import type { TransportDeps } from '../pipeline/deps.ts'
import type { Transport } from '../pipeline/transport.ts'
import { forwardAuthAnswers, proxyHeader } from './answer.ts'
import { type createAuthUrlQuery, hostRouting } from './requirements-query.ts'

/**
 * `<prefix>/auth/traefik` — Traefik ForwardAuth and Caddy `forward_auth`. The request is
 * described by X-Forwarded-Method/-Proto/-Host/-Uri, believed only from trusted peer addresses.
 * These proxies pass non-2xx answers to the client, so a browser navigation gets the login
 * redirect directly.
 */
export function traefikTransport(
  deps: TransportDeps,
  authUrlQuery: ReturnType<typeof createAuthUrlQuery>,
): Transport<undefined> {
  return {
    endpoint: 'traefik',
    read(request) {
      if (!deps.trustedPeer(request.socket.remoteAddress)) {
        throw new GateError('UNTRUSTED_PEER', { detail: `peer ${request.socket.remoteAddress}` })
      }
      const authority = proxyHeader(request, 'x-forwarded-host')
      const target = proxyHeader(request, 'x-forwarded-uri')
      if (authority === undefined || target === undefined) {
        throw new GateError('BAD_REQUEST', { detail: 'X-Forwarded-Host or X-Forwarded-Uri missing' })
      }
      const query = authUrlQuery(request.url ?? '')
      return {
        parts: {
          method: proxyHeader(request, 'x-forwarded-method') ?? 'GET',
          scheme: proxyHeader(request, 'x-forwarded-proto') ?? 'https',
          authority,
          target,
          headers: request.headers,
          rawHeaders: request.rawHeaders,
          body: 'unseen',
          // Go routes an absolute-form request by its URL's host and reports that same host.
          hostRouting: hostRouting(query, true),
          service: query.service,
          peer: request.socket.remoteAddress,
        },
        extra: query.extra,
        state: undefined,
      }
    },
    ...forwardAuthAnswers(deps, redirectOrUnauthenticated, createForbiddenAnswer(deps.config, deps.pages)),
  }
}
