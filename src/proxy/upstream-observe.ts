import { REQUEST_ID_HEADER } from '../observability/request-context.ts'
import type { SpanHandle } from '../observability/tracing.ts'
import type { TransportDeps } from '../pipeline/deps.ts'
import type { UpstreamFailureReason } from './upstream-errors.ts'
import type { UpstreamHeaders } from './upstream-headers.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** performance.now() when the upstream request left; 0 before. */
    gateUpstreamStart: number
    gateUpstreamSpan: SpanHandle | null
  }
}

/** What this file reads and writes of a proxied exchange (fastify's request, or the fast path's). */
export interface ProxiedExchange {
  readonly id: string
  readonly raw: { readonly url?: string | undefined }
  gateUpstreamStart: number
  gateUpstreamSpan: SpanHandle | null
}

/** The decorations fastify's request gets for this file, with their defaults. */
export const UPSTREAM_FIELDS = { gateUpstreamStart: 0, gateUpstreamSpan: null } as const

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/

export type UpstreamObserver = ReturnType<typeof createUpstreamObserver>

/**
 * What the sidecar adds to observability: the request id and W3C trace context sent upstream, and
 * the upstream's latency (to its response headers) and up-ness. A `traceparent` the upstream
 * could not parse (several, or malformed) is dropped with its `tracestate`, as the W3C spec says a
 * receiver would treat it; with tracing on, fxa-gate's own span replaces it.
 */
export function createUpstreamObserver(deps: Pick<TransportDeps, 'dependencies' | 'tracing'>) {
  const { dependencies, tracing } = deps
  const latency = dependencies.latency('upstream', 'request')

  function withContext(exchange: ProxiedExchange, headers: UpstreamHeaders): UpstreamHeaders {
    headers[REQUEST_ID_HEADER] = exchange.id
    const traceparent = headers['traceparent']
    if (traceparent !== undefined && (typeof traceparent !== 'string' || !TRACEPARENT.test(traceparent))) {
      delete headers['traceparent']
      delete headers['tracestate']
    }
    return headers
  }

  function end(exchange: ProxiedExchange, failure: UpstreamFailureReason | undefined): void {
    if (exchange.gateUpstreamStart === 0) return
    latency.observe((performance.now() - exchange.gateUpstreamStart) / 1000)
    exchange.gateUpstreamStart = 0
    // A refused or timed-out connection says the upstream is not there; a reset mid-answer does not.
    dependencies.report('upstream', failure !== 'refused' && failure !== 'timeout')
    exchange.gateUpstreamSpan?.end(failure === undefined ? undefined : { error: failure })
    exchange.gateUpstreamSpan = null
  }

  return {
    /** The upstream request's headers, as it leaves. */
    request(exchange: ProxiedExchange, headers: UpstreamHeaders): UpstreamHeaders {
      withContext(exchange, headers)
      exchange.gateUpstreamStart = performance.now()
      if (tracing.enabled) {
        const path = (exchange.raw.url ?? '').split('?', 1)[0]!
        exchange.gateUpstreamSpan = tracing.upstream(headers, { 'url.path': path })
      }
      return headers
    },
    /** A websocket handshake's headers (not timed: the connection lives on). */
    websocket: withContext,
    answered: (exchange: ProxiedExchange) => end(exchange, undefined),
    failed: (exchange: ProxiedExchange, reason: UpstreamFailureReason) => end(exchange, reason),
  }
}
