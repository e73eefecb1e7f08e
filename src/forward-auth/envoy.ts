import type { FastifyReply } from 'fastify'
import { HOST_ROUTED } from '../decision/request.ts'
import { GateError } from '../errors.ts'
import { identityNamePatterns } from '../headers/hygiene.ts'
import type { Identity } from '../identity/identity.ts'
import { createForbiddenAnswer, redirectOrUnauthenticated } from '../pipeline/answers.ts'
import type { TransportDeps } from '../pipeline/deps.ts'
import type { Transport } from '../pipeline/transport.ts'
import { createAllowAnswers, forwardAuthAnswers, proxyHeader } from './answer.ts'

const REMOVE = 'x-envoy-auth-headers-to-remove'

/**
 * `<prefix>/auth/envoy/*` — Envoy ext_authz (HTTP service, `path_prefix` = this path). Method and
 * path come from the check request itself, the host from `Host` (Envoy's :authority). Envoy
 * forwards non-200 answers to the client, and removes the headers named in
 * x-envoy-auth-headers-to-remove.
 */
export function envoyTransport(deps: TransportDeps): Transport<undefined> {
  const base = `${deps.config.prefix}/auth/envoy`
  const { names, assertion, node: nodeHeader } = deps.identityHeaders
  // Envoy sends fxa-gate only the headers it is told to (never these), and passes the client's on
  // to the application: every identity name that is one exact header (Remote-User,
  // X-Forwarded-User, the base of a family) is named for removal too. Names of a family
  // (`X-User-Groups` for `X-User-*`) cannot be listed: the Envoy configuration must drop those.
  const written = new Set(names)
  const legacy = identityNamePatterns({
    identityPrefix: deps.config.identityHeaderPrefix,
    legacyNames: deps.config.legacyIdentityHeaders,
    writtenNames: names,
  })
    .filter(({ folded, match }) => match !== 'prefix' && !written.has(folded))
    .map(({ folded }) => folded)
  const all = [...names, ...legacy].join(',')
  // Envoy overwrites the headers an answer sets (headersToBackend) and keeps a client's copy of any
  // other: name those for removal (Envoy removes after it sets).
  const unsetNames = (identity: Identity, node: string | undefined) => {
    const set = deps.identityHeaders.headersFor(identity)
    // The assertion is not among them: the allow answer adds it to every answer with an identity.
    return [
      ...names.filter(
        (name) => name !== assertion && !(name in set) && !(name === nodeHeader && node !== undefined),
      ),
      ...legacy,
    ].join(',')
  }
  const toRemove = (identity: Identity | null, node: string | undefined): Record<string, string> => {
    if (identity === null) return { [REMOVE]: all }
    const unset = unsetNames(identity, node)
    return unset === '' ? {} : { [REMOVE]: unset }
  }
  const { answers, allowNow } = forwardAuthAnswers(
    deps,
    redirectOrUnauthenticated,
    createForbiddenAnswer(deps.config, deps.pages),
    createAllowAnswers(deps, toRemove),
  )
  const removeAll = (reply: FastifyReply) => reply.header(REMOVE, all)
  return {
    endpoint: 'envoy',
    read(request) {
      const path = (request.url ?? '').slice(base.length) || '/'
      const authority = proxyHeader(request, 'host')
      if (authority === undefined) throw new GateError('BAD_REQUEST', { detail: 'Host missing' })
      const trusted = deps.trustedPeer(request.socket.remoteAddress)
      return {
        parts: {
          method: request.method ?? 'GET',
          scheme: (trusted ? proxyHeader(request, 'x-forwarded-proto') : undefined) ?? 'https',
          authority,
          target: path.startsWith('/') ? path : `/${path}`,
          headers: request.headers,
          rawHeaders: request.rawHeaders,
          body: 'unseen',
          hostRouting: HOST_ROUTED,
          peer: request.socket.remoteAddress,
        },
        state: undefined,
      }
    },
    allowNow,
    answers: {
      allow: answers.allow,
      unauthenticated: (request, reply, loginUrl) =>
        answers.unauthenticated(request, removeAll(reply), loginUrl),
      forbidden: (request, reply, decision) => answers.forbidden(request, removeAll(reply), decision),
    },
  }
}
