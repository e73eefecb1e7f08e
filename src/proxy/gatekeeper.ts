import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { methodsInBody } from '../decision/body-methods.ts'
import type { RequestDescription } from '../decision/request.ts'
import { HOST_ROUTED } from '../decision/request.ts'
import { GateError } from '../errors.ts'
import {
  type CleanedHeaders,
  cleanRequestHeaders,
  compileCookieFilter,
  compileHeaderHygiene,
} from '../headers/hygiene.ts'
import { isUpgrade } from '../http/upgrade.ts'
import type { Identity } from '../identity/identity.ts'
import type { ExchangeObserver } from '../observability/http-observer.ts'
import { createForbiddenAnswer, redirectOrUnauthenticated } from '../pipeline/answers.ts'
import type { TransportDeps } from '../pipeline/deps.ts'
import type { Verdict } from '../pipeline/pipeline.ts'
import { createTransportHandler, type Transport } from '../pipeline/transport.ts'
import type { Admission } from './admission.ts'
import { peekBody } from './body-peek.ts'
import type { SidecarForwarding } from './sidecar-forwarding.ts'
import { type UpstreamHeaders, upstreamHeaders } from './upstream-headers.ts'
import type { WebsocketWatch } from './websocket-watch.ts'

const BODYLESS = new Set(['GET', 'HEAD'])
/**
 * How much of a form or JSON body is read for `_method` when a method-scoped rule makes it matter.
 * Frameworks put `_method` first (Rails' and Laravel's form helpers); a longer body counts as
 * naming any method, so nothing beyond this is ever held.
 */
const BODY_PEEK_LIMIT = 16 * 1024

export interface Gatekeeper {
  /** The onRequest hook of every proxied route (HTTP and websocket upgrades alike). */
  onRequest(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>
  /** The preParsing hook: reads the first bytes of a body when the decision waits for them. */
  preParsing(
    request: FastifyRequest,
    reply: FastifyReply,
    payload: Readable,
    done: (error: Error | null, payload?: Readable) => void,
  ): void
  /** The upstream headers prepared for an allowed request (the fastify request is the key). */
  upstreamHeadersOf(request: object): UpstreamHeaders
  /** The fast path: true when the request was allowed from memory and is on its way upstream. */
  handleNow(req: IncomingMessage, res: ServerResponse, observer: ExchangeObserver): boolean
}

/** What the fast path's allow needs besides the decision. */
export interface FastForwarding {
  readonly admission: Pick<Admission, 'enterNow'>
  readonly forwarding: SidecarForwarding
}

/** What the sidecar read besides the request parts: what the upstream request is built from. */
interface SidecarState {
  readonly cleaned: CleanedHeaders
  readonly trusted: boolean
}

function bad(detail: string): never {
  throw new GateError('BAD_REQUEST', { detail })
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
 * The sidecar as a transport of the shared pipeline: it reads the request from the socket (Host,
 * request line, headers after hygiene), answers a denial itself, and on an allow prepares the
 * upstream headers and lets the proxy route run. When only a form body's `_method` stands between
 * the request and an allow, it reads the body's first bytes (and passes them on unchanged).
 */
export function createGatekeeper(
  deps: TransportDeps,
  websockets: WebsocketWatch,
  fast: FastForwarding,
): Gatekeeper {
  const { config, identityHeaders, assertions } = deps
  const hygiene = compileHeaderHygiene({
    identityPrefix: config.identityHeaderPrefix,
    legacyNames: config.legacyIdentityHeaders,
    writtenNames: identityHeaders.names,
  })
  const filterCookie = compileCookieFilter([config.cookie.sessionName, config.cookie.loginName])
  // Without a trusted proxy saying otherwise, clients reach the sidecar the way publicUrl says.
  const defaultScheme = new URL(config.publicUrl).protocol === 'https:' ? 'https' : 'http'
  const prepared = new WeakMap<object, UpstreamHeaders>()
  const waiting = new WeakMap<object, { verdict: Verdict; state: SidecarState }>()
  const passAuthorization = (auth: 'session' | 'bearer' | undefined) =>
    config.upstreamAuthorization === 'pass' ||
    (config.upstreamAuthorization === 'remove-when-consumed' && auth !== 'bearer')

  /** The upstream request's headers for an allowed request: the one way both paths build them. */
  function prepare(
    raw: IncomingMessage,
    identity: Identity | null,
    node: string | undefined,
    description: RequestDescription,
    { cleaned, trusted }: SidecarState,
    assertion: string | undefined,
  ): UpstreamHeaders {
    const facts = {
      host: description.host,
      scheme: description.scheme,
      peer: raw.socket.remoteAddress,
      trustedForwardedFor: trusted ? single(raw.headers, 'x-forwarded-for') : undefined,
    }
    return upstreamHeaders(cleaned, facts, identityHeaders.headersFor(identity), {
      authorization: passAuthorization(identity?.auth),
      assertion: assertion === undefined ? undefined : { name: identityHeaders.assertion, token: assertion },
      node: node === undefined ? undefined : { name: identityHeaders.node, value: node },
    })
  }

  const transport: Transport<SidecarState> = {
    endpoint: 'sidecar',
    read(raw) {
      const method = raw.method ?? ''
      const cleaned = cleanRequestHeaders(raw.rawHeaders, hygiene, filterCookie)
      if (cleaned.host === undefined) bad('Host missing')
      const body = hasBody(raw.headers)
      // The proxy cannot forward a GET or HEAD body, and must not drop it silently either.
      if (body && BODYLESS.has(method)) bad(`${method} with a body`)
      const trusted = deps.trustedPeer(raw.socket.remoteAddress)
      return {
        parts: {
          method,
          scheme: (trusted ? single(raw.headers, 'x-forwarded-proto') : undefined) ?? defaultScheme,
          authority: cleaned.host,
          target: raw.url ?? '',
          headers: raw.headers,
          rawHeaders: raw.rawHeaders,
          body: body ? 'readable' : 'absent',
          hostRouting: HOST_ROUTED,
          peer: raw.socket.remoteAddress,
        },
        state: { cleaned, trusted },
      }
    },
    answers: {
      async allow(request, _reply, { identity, description, service, node }, state) {
        const raw = request.raw
        const signer = assertions.signerFor(service)
        const assertion =
          identity === null
            ? undefined
            : (signer.cachedFor(identity, node) ?? (await signer.assertionFor(identity, node)))
        prepared.set(request, prepare(raw, identity, node, description, state, assertion?.token))
        if (isUpgrade(raw))
          websockets.watch(
            raw.socket,
            raw.headers,
            raw.rawHeaders,
            service === null ? undefined : { allowedClients: service.allowedClients },
          )
        return undefined
      },
      unauthenticated: redirectOrUnauthenticated,
      forbidden: createForbiddenAnswer(config, deps.pages),
    },
    readBody(request, _reply, verdict, state) {
      waiting.set(request, { verdict, state })
      return undefined
    },
    // The lane sends no request with a body here (see http/fast-lane.ts); websockets take fastify's
    // route to their tunnel.
    allowNow(raw, res, verdict, state, begin) {
      const { identity, description, service, node } = verdict
      if (raw.headers.upgrade !== undefined) return false
      const assertion =
        identity === null ? undefined : assertions.signerFor(service).cachedFor(identity, node)
      if (identity !== null && assertion === undefined) return false
      if (!fast.admission.enterNow(raw, res)) return false
      const exchange = begin(raw, res, verdict)
      const headers = prepare(raw, identity, node, description, state, assertion?.token)
      fast.forwarding.forward(exchange, res, headers, exchange.answerHeaders)
      return true
    },
  }
  const handler = createTransportHandler(deps.pipeline, deps.metrics, transport)

  /** Reads the first bytes of the body, decides again with what they say, and hands the body on. */
  async function decideOnBody(
    request: FastifyRequest,
    reply: FastifyReply,
    payload: Readable,
    pending: { verdict: Verdict; state: SidecarState },
  ): Promise<Readable> {
    const length = Number(request.headers['content-length'] ?? Number.NaN)
    const peeked = await peekBody(payload, {
      limit: BODY_PEEK_LIMIT,
      expectedLength: Number.isSafeInteger(length) ? length : undefined,
    })
    const kind = pending.verdict.description.bodyKind!
    const found = methodsInBody(
      kind,
      request.headers['content-type'],
      peeked.head,
      peeked.complete,
      request.headers['content-encoding'],
    )
    await handler.answer(request, reply, await deps.pipeline.withBody(pending.verdict, found), pending.state)
    // A refused request's body is read and dropped, as Node does for any unread body.
    if (reply.sent) peeked.body.resume()
    return peeked.body
  }

  return {
    onRequest(request, reply) {
      // A refused upgrade ends its connection: nothing sent after it on the socket is read as HTTP.
      if (isUpgrade(request.raw)) reply.header('connection', 'close')
      return handler.handle(request, reply)
    },
    // Callback style: no promise for the requests (nearly all) that wait for nothing.
    preParsing(request, reply, payload, done) {
      const pending = waiting.get(request)
      if (pending === undefined) return done(null, payload)
      waiting.delete(request)
      decideOnBody(request, reply, payload, pending).then(
        (body) => done(null, body),
        (error: Error) => done(error),
      )
    },
    handleNow: (req, res, observer) => handler.handleNow(req, res, observer),
    upstreamHeadersOf(request) {
      const headers = prepared.get(request)
      // Unreachable: the proxy routes run only after the decision allowed and prepared the request.
      if (headers === undefined)
        throw new GateError('INTERNAL', { detail: 'proxied request without a decision' })
      return headers
    },
  }
}
