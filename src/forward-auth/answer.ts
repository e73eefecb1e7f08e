import type { IncomingMessage } from 'node:http'
import type { FastifyReply } from 'fastify'
import type { SignedAssertion } from '../assertion/signer.ts'
import { GateError } from '../errors.ts'
import { encodeHeaderValue } from '../headers/identity-headers.ts'
import type { Identity } from '../identity/identity.ts'
import type { TransportDeps } from '../pipeline/deps.ts'
import type { Verdict } from '../pipeline/pipeline.ts'
import type { Answers, Transport } from '../pipeline/transport.ts'
import type { Service } from '../services/registry.ts'

/** The single value of a header the proxy sets; duplicates mean someone else set it too. */
export function proxyHeader(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name]
  if (Array.isArray(value)) throw new GateError('BAD_REQUEST', { detail: `duplicate ${name}` })
  return value
}

/** A forward-auth allow, serialised once: as an object for fastify, as a flat list for Node. */
export interface AllowAnswer {
  readonly headers: Readonly<Record<string, string>>
  /** name, value, … with `content-length: 0`, for `res.writeHead(200, list)`. */
  readonly flat: readonly string[]
}

/** What an allow depends on: who, for which service (its assertion audience), on which node. */
export type AllowFor = Pick<Verdict, 'identity' | 'service' | 'node'>

export interface AllowAnswers {
  /** The answer when it is ready without a promise (its assertion is signed). */
  now(verdict: AllowFor): AllowAnswer | undefined
  get(verdict: AllowFor): Promise<AllowAnswer>
}

interface Kept {
  readonly node: string | undefined
  readonly token: string
  readonly ttl: number
  readonly answer: AllowAnswer
}

/**
 * The forward-auth allow: 200 with the identity headers, the user's node, the signed assertion (the
 * service's audience and lifetime), and how long the proxy may cache the answer: never longer than
 * the assertion in it stays valid. Pre-serialised per identity, service and node, and kept while
 * its assertion and max-age stay the same; identities are per session record, so the answer goes
 * when the session leaves the cache (ended, changed, expired). `extra` adds a transport's own
 * identity-dependent headers (Envoy's headers-to-remove).
 */
export function createAllowAnswers(
  deps: TransportDeps,
  extra: (
    identity: Identity | null,
    node: string | undefined,
  ) => Readonly<Record<string, string>> = () => ({}),
): AllowAnswers {
  const { identityHeaders, assertions, clock } = deps
  const maxTtl = Math.floor(deps.config.authCacheTtl / 1000)
  // Per identity, then per service (the registry's own objects, no key built from the request);
  // the node is compared like the assertion, so a user who moved gets a fresh answer.
  const kept = new WeakMap<Identity, Map<Service | null, Kept>>()

  function serialise(
    identity: Identity | null,
    node: string | undefined,
    assertion: string | undefined,
    ttl: number,
  ): AllowAnswer {
    const headers: Record<string, string> = {
      ...identityHeaders.headersFor(identity),
      ...extra(identity, node),
    }
    if (assertion !== undefined) headers[identityHeaders.assertion] = assertion
    if (identity !== null && node !== undefined) headers[identityHeaders.node] = encodeHeaderValue(node)
    // Not `private`: nginx's proxy_cache (ingress-nginx auth-cache-key) stores nothing marked so, and
    // that proxy is the cache meant here. Vary keeps one credential's answer from another's.
    headers['cache-control'] = identity !== null && ttl > 0 ? `max-age=${ttl}` : 'no-store'
    headers['vary'] = 'Cookie, Authorization'
    const flat: string[] = []
    for (const name in headers) flat.push(name, headers[name]!)
    flat.push('content-length', '0')
    return { headers: Object.freeze(headers), flat: Object.freeze(flat) }
  }
  const anonymous = serialise(null, undefined, undefined, maxTtl)

  const ttlOf = (assertion: SignedAssertion) =>
    Math.min(maxTtl, Math.floor((assertion.expiresAt - clock()) / 1000) - 1)

  function now(verdict: AllowFor): AllowAnswer | undefined {
    const { identity, node } = verdict
    if (identity === null) return anonymous
    const assertion = assertions.signerFor(verdict.service).cachedFor(identity, node)
    if (assertion === undefined) return undefined
    const ttl = ttlOf(assertion)
    let byService = kept.get(identity)
    if (byService === undefined) {
      byService = new Map()
      kept.set(identity, byService)
    }
    const known = byService.get(verdict.service)
    if (known !== undefined && known.node === node && known.token === assertion.token && known.ttl === ttl)
      return known.answer
    const answer = serialise(identity, node, assertion.token, ttl)
    byService.set(verdict.service, { node, token: assertion.token, ttl, answer })
    return answer
  }

  return {
    now,
    async get(verdict) {
      const ready = now(verdict)
      if (ready !== undefined) return ready
      const { identity, node } = verdict
      const assertion = await assertions.signerFor(verdict.service).assertionFor(identity!, node)
      return now(verdict) ?? serialise(identity, node, assertion.token, ttlOf(assertion))
    },
  }
}

/**
 * The table of answers of a forward-auth endpoint: the allow above, and the endpoint's own ways to
 * say "sign in" and "not you" (nginx must never redirect and shows its own pages; Traefik and Envoy
 * pass a redirect or a page to the browser), plus the allow for the fast path, from the same
 * pre-serialised answer.
 */
export function forwardAuthAnswers(
  deps: TransportDeps,
  unauthenticated: Answers<undefined>['unauthenticated'],
  forbidden: Answers<undefined>['forbidden'],
  allowAnswers: AllowAnswers = createAllowAnswers(deps),
): Pick<Transport<undefined>, 'answers' | 'allowNow'> {
  return {
    answers: {
      allow: async (_request, reply: FastifyReply, verdict) =>
        reply
          .code(200)
          .headers((await allowAnswers.get(verdict)).headers)
          .send(),
      unauthenticated,
      forbidden,
    },
    allowNow(req, res, verdict, _state, begin) {
      const answer = allowAnswers.now(verdict)
      if (answer === undefined) return false
      const exchange = begin(req, res, verdict)
      res.writeHead(200, [...answer.flat, ...exchange.answerHeaders])
      res.end()
      return true
    },
  }
}
