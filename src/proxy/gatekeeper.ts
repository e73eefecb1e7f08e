import type { IncomingHttpHeaders } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { GateContext } from '../context.ts'
import { authenticate } from '../decision/credentials.ts'
import { type Decision, decide } from '../decision/decide.ts'
import { describeCached, type RequestDescription } from '../decision/request.ts'
import { GateError } from '../errors.ts'
import { createDecisionCounter, forbidden, redirectOrUnauthenticated } from '../forward-auth/answer.ts'
import { cleanRequestHeaders, compileCookieFilter, compileHeaderHygiene } from '../headers/hygiene.ts'
import type { Identity } from '../identity/identity.ts'
import { type UpstreamHeaders, upstreamHeaders } from './upstream-headers.ts'
import type { WebsocketWatch } from './websocket-watch.ts'

/** Headers some frameworks read as the "real" method; the decision must hold for those too. */
const METHOD_OVERRIDE_HEADERS = ['x-http-method-override', 'x-http-method', 'x-method-override'] as const
const METHOD = /^[A-Za-z]{1,20}$/
const BODYLESS = new Set(['GET', 'HEAD'])

export interface Gatekeeper {
  /** The onRequest hook of every proxied route (HTTP and websocket upgrades alike). */
  onRequest(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>
  /** The upstream headers prepared for an allowed request (the fastify request is the key). */
  upstreamHeadersOf(request: object): UpstreamHeaders
}

function bad(detail: string): never {
  throw new GateError('BAD_REQUEST', { detail })
}

/**
 * The other methods a request may be read as: method-override headers, and `_method` in the query of
 * a POST (Rails, Laravel, Symfony). Only the canonical header spellings get here: the hygiene drops
 * every other spelling of these names before they reach the upstream.
 */
function methodReadings(request: FastifyRequest): string[] | undefined {
  let readings: string[] | undefined
  const add = (method: string) => {
    if (readings === undefined) readings = [method]
    else readings.push(method)
  }
  const headers = request.raw.headers
  for (const name of METHOD_OVERRIDE_HEADERS) {
    const value = headers[name]
    if (value === undefined) continue
    if (typeof value !== 'string' || !METHOD.test(value)) bad(`invalid ${name}`)
    add(value)
  }
  const url = request.raw.url ?? ''
  if (request.method === 'POST' && url.includes('_method')) {
    for (const value of new URLSearchParams(url.slice(url.indexOf('?') + 1)).getAll('_method')) {
      if (!METHOD.test(value)) bad('invalid _method')
      add(value)
    }
  }
  return readings
}

function decideEveryReading(
  description: RequestDescription,
  identity: Identity | null,
  ctx: GateContext,
  methods: readonly string[] | undefined,
): Decision {
  let decision = decide(description, identity, ctx.policy)
  if (methods === undefined) return decision
  for (const method of methods) {
    if (decision.kind !== 'allow') break
    decision = decide({ ...description, method }, identity, ctx.policy)
  }
  return decision
}

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  if (Array.isArray(value)) bad(`duplicate ${name}`)
  return value
}

function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length']
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

/**
 * The sidecar's decision step: canonicalize the request (method, scheme, Host, raw target), refuse
 * what is ambiguous, authenticate, ask `decide()`, then either answer (login redirect, 401, 403) or
 * prepare the upstream headers and let the proxy route run.
 */
export function createGatekeeper(ctx: GateContext, websockets: WebsocketWatch): Gatekeeper {
  const { config } = ctx
  const hygiene = compileHeaderHygiene({
    identityPrefix: config.identityHeaderPrefix,
    legacyNames: config.legacyIdentityHeaders,
    writtenNames: ctx.identityHeaders.names,
  })
  const filterCookie = compileCookieFilter([config.cookie.sessionName, config.cookie.loginName])
  // Without a trusted proxy saying otherwise, clients reach the sidecar the way publicUrl says.
  const defaultScheme = new URL(config.publicUrl).protocol === 'https:' ? 'https' : 'http'
  const prepared = new WeakMap<object, UpstreamHeaders>()
  const count = createDecisionCounter(ctx, 'sidecar')

  async function onRequest(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const raw = request.raw
    // A refused upgrade ends its connection: nothing sent after it on the socket is read as HTTP.
    if (raw.headers.upgrade !== undefined) reply.header('connection', 'close')
    const cleaned = cleanRequestHeaders(raw.rawHeaders, hygiene, filterCookie)
    if (cleaned.host === undefined) bad('Host missing')
    // The proxy cannot forward a GET or HEAD body, and must not drop it silently either.
    if (BODYLESS.has(request.method) && hasBody(raw.headers)) bad(`${request.method} with a body`)
    const peer = raw.socket.remoteAddress
    const trusted = ctx.trustedPeer(peer)
    const forwardedProto = trusted ? single(raw.headers, 'x-forwarded-proto') : undefined
    const description = describeCached({
      method: request.method,
      scheme: forwardedProto ?? defaultScheme,
      host: cleaned.host,
      target: raw.url ?? '',
    })
    const identity = await authenticate(ctx, raw.headers, {
      rawHeaders: raw.rawHeaders,
      url: description.url,
    })
    const decision = decideEveryReading(description, identity, ctx, methodReadings(request))
    count(request, description, decision)
    switch (decision.kind) {
      case 'allow': {
        const who = decision.identity
        const assertion =
          who === null
            ? undefined
            : (ctx.assertions.cachedFor(who) ?? (await ctx.assertions.assertionFor(who)))
        const forwardedFor = trusted ? single(raw.headers, 'x-forwarded-for') : undefined
        const headers = upstreamHeaders(
          cleaned,
          { host: cleaned.host, scheme: description.scheme, peer, trustedForwardedFor: forwardedFor },
          ctx.identityHeaders.headersFor(who),
          {
            authorization:
              config.upstreamAuthorization === 'pass' ||
              (config.upstreamAuthorization === 'remove-when-consumed' && who?.auth !== 'bearer'),
            assertion: assertion && { name: ctx.identityHeaders.assertion, token: assertion.token },
          },
        )
        prepared.set(request, headers)
        if (raw.headers.upgrade !== undefined) websockets.watch(raw.socket, raw.headers, raw.rawHeaders)
        return undefined
      }
      case 'unauthenticated':
        return redirectOrUnauthenticated(request, reply, decision.loginUrl)
      case 'forbidden':
        return forbidden(request, reply, decision.reason)
    }
  }

  return {
    onRequest,
    upstreamHeadersOf(request) {
      const headers = prepared.get(request)
      // Unreachable: the proxy routes run only after onRequest allowed and prepared the request.
      if (headers === undefined)
        throw new GateError('INTERNAL', { detail: 'proxied request without a decision' })
      return headers
    },
  }
}
