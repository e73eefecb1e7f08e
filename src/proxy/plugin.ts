import type { Socket } from 'node:net'
import type { Readable } from 'node:stream'
import httpProxy from '@fastify/http-proxy'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { GateError } from '../errors.ts'
import { replyError } from '../http/error-reply.ts'
import type { TransportDeps } from '../pipeline/deps.ts'
import { createAdmission } from './admission.ts'
import { createGatekeeper } from './gatekeeper.ts'
import { compileResponseCookieFilter, stripResponseHopByHop } from './response-headers.ts'
import { translateUpstreamError } from './upstream-errors.ts'
import { createUpstreamObserver } from './upstream-observe.ts'
import { createWebsocketWatch } from './websocket-watch.ts'

const METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT', 'OPTIONS']
/** ws buffers whole messages: this bounds the memory one websocket message can take in fxa-gate. */
const WEBSOCKET_MAX_MESSAGE = 16 * 1024 * 1024
/** How long a closing websocket waits for the peer's close frame before its socket is destroyed. */
const WEBSOCKET_CLOSE_TIMEOUT = 2_000
/** How long an upgrade request may take to be decided and handed to ws (which then clears it). */
const UPGRADE_IDLE_TIMEOUT = 15_000

/**
 * Sidecar mode: every request outside fxa-gate's prefix goes through the gatekeeper (the pipeline),
 * then, when allowed, to the upstream with cleaned headers plus fxa-gate's identity headers.
 * @fastify/http-proxy (undici, keep-alive pool) streams bodies both ways; websocket upgrades take the
 * same route and hooks before ws accepts them.
 */
export async function sidecarProxy(app: FastifyInstance, deps: TransportDeps): Promise<void> {
  const { config, metrics } = deps
  if (config.upstream === undefined) return

  // fxa-gate's prefix is its own, including paths it does not serve: never proxied.
  const notFound = (request: FastifyRequest, reply: FastifyReply) =>
    replyError(request, reply, new GateError('NOT_FOUND'))
  app.route({ method: METHODS, url: config.prefix, handler: notFound })
  app.route({ method: METHODS, url: `${config.prefix}/*`, handler: notFound })

  // An upgrade socket is detached from Node's HTTP timeouts; bound it until ws takes it over.
  app.server.on('upgrade', (_request, socket: Socket) => {
    socket.setTimeout(UPGRADE_IDLE_TIMEOUT, () => socket.destroy())
  })

  // A response body the upstream broke off (reset, body timeout); not the client going away, which
  // undici reports as an abort of its own.
  const countAbortedResponse = (error: { code?: unknown }) => {
    if (error.code !== 'UND_ERR_ABORTED') metrics.upstreamErrors.inc({ reason: 'aborted_response' })
  }

  await app.register(async function proxied(scope) {
    // Bodies are streamed to the upstream as they arrive; no parser buffers them (http-proxy adds
    // its pass-through parser for every content type).
    scope.removeAllContentTypeParsers()
    const dropOwnCookies = compileResponseCookieFilter([config.cookie.sessionName, config.cookie.loginName])
    const websockets = createWebsocketWatch(deps)
    scope.addHook('onClose', async () => websockets.stop())
    const gatekeeper = createGatekeeper(deps, websockets)
    const admission = createAdmission(config, deps.trustedPeer)
    // Limits first (cheap), then the decision, then what only an allowed upload may hold (a body
    // read for `_method` counts as an upload: it is read before the decision ends).
    scope.addHook('onRequest', admission.enter)
    const upstream = createUpstreamObserver(scope, deps)
    scope.addHook('onRequest', gatekeeper.onRequest)
    scope.addHook('onRequest', admission.upload)
    scope.addHook('preParsing', gatekeeper.preParsing)
    await scope.register(httpProxy, {
      upstream: config.upstream!,
      httpMethods: METHODS,
      disableRequestLogging: true,
      undici: {
        connections: config.upstreamConnections,
        pipelining: 1,
        headersTimeout: config.upstreamTimeout,
        bodyTimeout: config.upstreamTimeout,
        connect: { timeout: config.upstreamConnectTimeout },
      },
      replyOptions: {
        rewriteRequestHeaders: (request) => upstream.request(request, gatekeeper.upstreamHeadersOf(request)),
        rewriteHeaders: (headers) => dropOwnCookies(stripResponseHopByHop(headers)),
        // An upstream answer is the client's answer: never retried behind its back (reply-from
        // retries GETs answered 503 by default).
        retryDelay: () => null,
        onError(reply, { error }) {
          const failure = translateUpstreamError(error)
          metrics.upstreamErrors.inc({ reason: failure.reason })
          upstream.failed(reply.request, failure.reason)
          reply.send(failure.error)
        },
        onResponse(request, reply, response) {
          upstream.answered(request)
          const body = (response as unknown as { stream: Readable }).stream
          body.on('error', countAbortedResponse)
          reply.send(body)
        },
      },
      websocket: true,
      // When either side ends (the upstream refused the upgrade, a peer broke the protocol), the
      // client's socket is destroyed soon after the close frame, not after ws's 30 s default.
      // (closeTimeout is newer than @types/ws.)
      wsServerOptions: {
        maxPayload: WEBSOCKET_MAX_MESSAGE,
        perMessageDeflate: false,
        closeTimeout: WEBSOCKET_CLOSE_TIMEOUT,
      } as Record<string, unknown>,
      wsClientOptions: {
        rewriteRequestHeaders: (_headers: unknown, request: FastifyRequest) =>
          upstream.websocket(request, gatekeeper.upstreamHeadersOf(request)),
        handshakeTimeout: config.upstreamConnectTimeout,
        followRedirects: false,
        perMessageDeflate: false,
        maxPayload: WEBSOCKET_MAX_MESSAGE,
      } as Record<string, unknown>,
      wsHooks: {
        onConnect: () => metrics.websocketsOpen.inc(),
        onDisconnect: () => metrics.websocketsOpen.dec(),
      },
    })
  })
}
