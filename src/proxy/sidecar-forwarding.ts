import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex, Readable } from 'node:stream'
import { ERRORS, type ErrorCode, type GateError } from '../errors.ts'
import { errorAnswer } from '../http/error-body.ts'
import { type Exchange, noteRefusal, REQUEST_ID_HEADER } from '../observability/request-context.ts'
import type { TransportDeps } from '../pipeline/deps.ts'
import { createForwarder, type Forwarder } from './forward/forwarder.ts'
import type { ForwardEvents } from './forward/types.ts'
import type { UpstreamHeaders } from './upstream-headers.ts'
import { createUpstreamObserver, type ProxiedExchange } from './upstream-observe.ts'

/** An exchange the sidecar forwards: what observability and the upstream observer keep about it. */
export type SidecarExchange = Exchange & ProxiedExchange

export interface SidecarForwarding {
  /**
   * Sends an allowed request upstream with its prepared headers (the request id and trace context
   * are added here) and relays the answer; `responseHeaders` are fxa-gate's own answer headers.
   */
  forward(
    exchange: SidecarExchange,
    res: ServerResponse,
    headers: UpstreamHeaders,
    responseHeaders: readonly string[],
    body?: Readable,
  ): void
  /** Opens an allowed websocket to the upstream through a raw tunnel. */
  upgrade(exchange: SidecarExchange, socket: Duplex, head: Buffer, headers: UpstreamHeaders): void
  /** Shutting down: every open websocket gets a close frame, and at most `graceMs` to end. */
  closeTunnels(graceMs: number): void
  close(): Promise<void>
}

/**
 * The sidecar's one way to the upstream, for both of its paths (fastify's routes and the fast path):
 * the forwarding engine (src/proxy/forward/) with fxa-gate's counting, tracing and error answers.
 * The upstream pool is split as admission control expects: `maxUploads` connections for requests
 * with a body, the rest for those without, so stalled uploads never take what reads need.
 */
export function createSidecarForwarding(deps: TransportDeps): SidecarForwarding {
  const { config, metrics } = deps
  const observer = createUpstreamObserver(deps)
  const errorCells = new Map(
    (Object.keys(ERRORS) as ErrorCode[]).map((code) => [code, metrics.requestErrors.labels(code)]),
  )
  const upstreamErrors = {
    refused: metrics.upstreamErrors.labels('refused'),
    timeout: metrics.upstreamErrors.labels('timeout'),
    reset: metrics.upstreamErrors.labels('reset'),
    other: metrics.upstreamErrors.labels('other'),
    aborted: metrics.upstreamErrors.labels('aborted_response'),
  }
  const events: ForwardEvents = {
    answered: (exchange) => observer.answered(exchange as SidecarExchange),
    upstreamError(reason, error: GateError, exchange) {
      const proxied = exchange as SidecarExchange
      upstreamErrors[reason].inc()
      observer.failed(proxied, reason)
      // Counted and noted as fastify's error handler does: the access log's line names the cause.
      errorCells.get(error.code)?.inc()
      noteRefusal(proxied, { code: error.code, detail: error.detail, cause: error })
    },
    abortedResponse: (exchange) => {
      upstreamErrors.aborted.inc()
      observer.failed(exchange as SidecarExchange, 'reset')
    },
    stalledUpload: () => {},
    websocketOpened: () => metrics.websocketsOpen.inc(),
    websocketClosed: () => metrics.websocketsOpen.dec(),
  }
  const forwarder: Forwarder = createForwarder({
    upstream: config.upstream!,
    connections: config.upstreamConnections - config.maxUploads,
    uploadConnections: config.maxUploads,
    connectTimeoutMs: config.upstreamConnectTimeout,
    headersTimeoutMs: config.upstreamTimeout,
    bodyTimeoutMs: config.upstreamTimeout,
    // The listener's body-idle deadline (http/deadlines.ts) ends a stalled upload: 408, closed.
    requestBodyTimeoutMs: 0,
    ownCookies: [config.cookie.sessionName, config.cookie.loginName],
    ownResponseHeaders: [REQUEST_ID_HEADER],
    events,
    renderError: (error, headers, exchange) =>
      errorAnswer(error, headers, { reference: (exchange as SidecarExchange).id }),
  })

  return {
    forward(exchange, res, headers, responseHeaders, body) {
      const req = exchange.raw as IncomingMessage
      forwarder.forward(req, res, {
        method: req.method!,
        path: req.url!,
        headers: observer.request(exchange, headers),
        body,
        responseHeaders,
        exchange,
      })
    },
    upgrade(exchange, socket, head, headers) {
      const req = exchange.raw as IncomingMessage
      forwarder.upgrade(req, socket, head, {
        method: 'GET',
        path: req.url!,
        headers: observer.websocket(exchange, headers),
        responseHeaders: [REQUEST_ID_HEADER, exchange.id],
        exchange,
      })
    },
    closeTunnels: (graceMs) => forwarder.closeTunnels(graceMs),
    close: () => forwarder.close(),
  }
}
