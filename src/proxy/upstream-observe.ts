import type { FastifyInstance, FastifyRequest } from 'fastify'
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

/** The parts of a request this file reads, whatever fastify's server type parameters. */
type ProxiedRequest = Pick<FastifyRequest, 'id' | 'url' | 'gateUpstreamStart' | 'gateUpstreamSpan'>

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/

/**
 * What the sidecar adds to observability: the request id and W3C trace context sent upstream, and
 * the upstream's latency (to its response headers) and up-ness. A `traceparent` the upstream
 * could not parse (several, or malformed) is dropped with its `tracestate`, as the W3C spec says a
 * receiver would treat it; with tracing on, fxa-gate's own span replaces it.
 */
export function createUpstreamObserver(
  scope: FastifyInstance,
  deps: Pick<TransportDeps, 'dependencies' | 'tracing'>,
) {
  const { dependencies, tracing } = deps
  const latency = dependencies.latency('upstream', 'request')
  scope.decorateRequest('gateUpstreamStart', 0)
  scope.decorateRequest('gateUpstreamSpan', null)

  function withContext(request: ProxiedRequest, headers: UpstreamHeaders): UpstreamHeaders {
    headers[REQUEST_ID_HEADER] = request.id
    const traceparent = headers['traceparent']
    if (traceparent !== undefined && (typeof traceparent !== 'string' || !TRACEPARENT.test(traceparent))) {
      delete headers['traceparent']
      delete headers['tracestate']
    }
    return headers
  }

  function end(request: ProxiedRequest, failure: UpstreamFailureReason | undefined): void {
    if (request.gateUpstreamStart === 0) return
    latency.observe((performance.now() - request.gateUpstreamStart) / 1000)
    request.gateUpstreamStart = 0
    // A refused or timed-out connection says the upstream is not there; a reset mid-answer does not.
    dependencies.report('upstream', failure !== 'refused' && failure !== 'timeout')
    request.gateUpstreamSpan?.end(failure === undefined ? undefined : { error: failure })
    request.gateUpstreamSpan = null
  }

  return {
    /** The upstream request's headers, as it leaves. */
    request(request: ProxiedRequest, headers: UpstreamHeaders): UpstreamHeaders {
      withContext(request, headers)
      request.gateUpstreamStart = performance.now()
      if (tracing.enabled)
        request.gateUpstreamSpan = tracing.upstream(headers, { 'url.path': request.url.split('?', 1)[0]! })
      return headers
    },
    /** A websocket handshake's headers (not timed: the connection lives on). */
    websocket: withContext,
    answered: (request: ProxiedRequest) => end(request, undefined),
    failed: (request: ProxiedRequest, reason: UpstreamFailureReason) => end(request, reason),
  }
}
