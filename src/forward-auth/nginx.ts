import { splitAbsoluteUrl } from '../decision/request.ts'
import { GateError } from '../errors.ts'
import { createNginxForbiddenAnswer, unauthenticated } from '../pipeline/answers.ts'
import type { TransportDeps } from '../pipeline/deps.ts'
import type { Transport } from '../pipeline/transport.ts'
import { forwardAuthAnswers, proxyHeader } from './answer.ts'
import { type createAuthUrlQuery, hostRouting } from './requirements-query.ts'

/**
 * `<prefix>/auth/nginx` — ingress-nginx `auth-url` / nginx `auth_request`. The request is
 * described by X-Original-URL and X-Original-Method only: nginx overwrites those, while it passes
 * a client's X-Forwarded-* through untouched. nginx routes an absolute-form request line by the host
 * in it but builds X-Original-URL from the Host header, so the host is believed only when the auth
 * URL names it (`?host=`). Never redirects (nginx turns a 3xx into a 500); a refused browser
 * navigation is a 401 with a note, which nginx's `auth-signin` turns into the page (see answers.ts).
 */
export function nginxTransport(
  deps: TransportDeps,
  authUrlQuery: ReturnType<typeof createAuthUrlQuery>,
): Transport<undefined> {
  let warned = !deps.pipeline.hostScopedRules
  let warnedServices = !deps.pipeline.servicesByHost
  return {
    endpoint: 'nginx',
    read(request) {
      const originalUrl = proxyHeader(request, 'x-original-url')
      if (originalUrl === undefined) throw new GateError('BAD_REQUEST', { detail: 'X-Original-URL missing' })
      const query = authUrlQuery(request.url ?? '')
      if (!warned && query.pinnedHostname === undefined) {
        warned = true
        deps.logger.warn(
          { url: request.url },
          'auth URL without ?host=: host-scoped rules cannot make requests public here (name the Ingress host in the auth URL)',
        )
      }
      if (!warnedServices && query.pinnedHostname === undefined && query.service === undefined) {
        warnedServices = true
        deps.logger.warn(
          { url: request.url },
          'auth URL without ?host= or ?service=: no service is chosen by host here, the global settings apply',
        )
      }
      return {
        parts: {
          ...splitAbsoluteUrl(originalUrl),
          method: proxyHeader(request, 'x-original-method') ?? 'GET',
          headers: request.headers,
          rawHeaders: request.rawHeaders,
          body: 'unseen',
          hostRouting: hostRouting(query, false),
          service: query.service,
          peer: request.socket.remoteAddress,
        },
        extra: query.extra,
        state: undefined,
      }
    },
    ...forwardAuthAnswers(deps, unauthenticated, createNginxForbiddenAnswer(deps.pages, deps.clock)),
  }
}
