import type { IncomingMessage, ServerResponse } from 'node:http'
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  RouteOptions,
} from 'fastify'
import { isUpgrade } from '../http/upgrade.ts'
import { type AccessLogPolicy, compileAccessLog, writeAccessLine } from './access-log.ts'
import type { Logger } from './logger.ts'
import { ENDPOINTS, type Endpoint } from './metric-definitions.ts'
import type { Metrics } from './metrics.ts'
import {
  type Exchange,
  REQUEST_FIELDS,
  REQUEST_ID_HEADER,
  type RequestScope,
  requestIdOf,
} from './request-context.ts'
import type { CounterCell, HistogramCell } from './series.ts'
import type { SpanHandle, Tracing } from './tracing.ts'

export interface HttpObserverOptions {
  readonly metrics: Metrics
  readonly logger: Logger
  readonly tracing: Tracing
  readonly prefix: string
  /** Sidecar mode: requests outside the prefix are proxied (`endpoint="sidecar"`). */
  readonly sidecar: boolean
  readonly accessLog: string
  /** While draining, every answer ends its connection (`Connection: close`). */
  readonly lifecycle: { readonly draining: boolean }
  /** Puts each request in scope for the log lines written while it is handled. */
  readonly scope?: RequestScope | undefined
}

/** Routes under the prefix, by their path after it. */
const PREFIX_ROUTES: Readonly<Record<string, Endpoint>> = {
  '/auth/nginx': 'nginx',
  '/auth/traefik': 'traefik',
  '/auth/envoy': 'envoy',
  '/auth/envoy/*': 'envoy',
  '/start': 'login',
  '/callback': 'callback',
  '/logout': 'logout',
  '/userinfo': 'userinfo',
  '/events/fxa': 'events',
}

interface Cells {
  readonly count: CounterCell
  readonly duration: HistogramCell
}

/** What the listener's own answers need from the observer, for requests no hook sees. */
export interface RequestObserver {
  /**
   * Counts, ids and logs a request like the onRequest hook does: for the answers fastify makes
   * before routing (`frameworkErrors`: a path it cannot decode), which run no hooks.
   */
  track(request: FastifyRequest, reply: FastifyReply): void
}

const kObserved = Symbol('fxa-gate.observed')
const kStarted = Symbol('fxa-gate.started')
type ObservedResponse = ServerResponse & {
  [kObserved]?: Exchange | undefined
  [kStarted]?: number
  gateSpan?: SpanHandle
}

/** A request the fast path answers without fastify: the same fields fastify's request is decorated with. */
export interface FastExchange extends Exchange {
  gateUpstreamStart: number
  gateUpstreamSpan: SpanHandle | null
  /** fxa-gate's own headers on the answer: the request id, and `Connection: close` while draining. */
  readonly answerHeaders: readonly string[]
}

/** What the fast path needs of observability: the exchange record, and fxa-gate's answer headers. */
export interface ExchangeObserver {
  /** Starts observing a request fastify will not see (counted and logged when its response closes). */
  begin(req: IncomingMessage, res: ServerResponse, endpoint: Endpoint): FastExchange
}

/**
 * Request ids, metrics and the access log for every request of the main listener, from fastify
 * hooks: one root onRequest hook (the first of every request) and one `close` listener on the
 * response, which fires once whether the answer finished or the client went away. Label children
 * are resolved once per endpoint and status; a request allocates nothing here but its listener
 * registration.
 */
export function observeRequests(
  app: FastifyInstance,
  options: HttpObserverOptions,
): ExchangeObserver & RequestObserver {
  const { metrics, logger, tracing, prefix, lifecycle, scope } = options
  const accessLog: AccessLogPolicy = compileAccessLog(options.accessLog)
  const inFlight = metrics.inFlight
  const cells = new Map<Endpoint, (Cells | undefined)[]>(ENDPOINTS.map((endpoint) => [endpoint, []]))

  function cellsOf(endpoint: Endpoint, status: number): Cells {
    const byStatus = cells.get(endpoint)!
    let found = byStatus[status]
    if (found === undefined) {
      const code = String(status)
      found = {
        count: metrics.httpRequests.labels(endpoint, code),
        duration: metrics.httpDuration.labels(endpoint, code),
      }
      byStatus[status] = found
    }
    return found
  }

  for (const [name, value] of Object.entries(REQUEST_FIELDS)) app.decorateRequest(name, value)

  // Each route under the prefix names its endpoint; the rest is the sidecar's (or a 404: other).
  const setters = new Map(
    ENDPOINTS.map((endpoint) => [
      endpoint,
      function nameEndpoint(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
        request.gateEndpoint = endpoint
        done()
      },
    ]),
  )
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.url.startsWith(`${prefix}/`)) return
    const endpoint = PREFIX_ROUTES[route.url.slice(prefix.length)]
    if (endpoint === undefined) return
    const own =
      route.onRequest === undefined
        ? []
        : Array.isArray(route.onRequest)
          ? route.onRequest
          : [route.onRequest]
    route.onRequest = [setters.get(endpoint)!, ...own] as RouteOptions['onRequest']
  })

  const underPrefix = (url: string) =>
    url.startsWith(prefix) &&
    (url.length === prefix.length || url[prefix.length] === '/' || url[prefix.length] === '?')

  function finished(this: ObservedResponse): void {
    const request = this[kObserved]
    if (request === undefined) return
    this[kObserved] = undefined
    inFlight.value--
    const upgraded = isUpgrade(request.raw) && !this.headersSent
    const status = this.writableEnded ? this.statusCode : upgraded ? 101 : 499
    const ms = performance.now() - this[kStarted]!
    const seconds = Number.isFinite(ms) ? ms / 1000 : 0
    const endpoint = request.gateEndpoint
    const counted = cellsOf(endpoint, status)
    counted.count.inc()
    counted.duration.observe(seconds)
    const decision = request.gateDecision
    const refusal = request.gateRefusal
    if (
      accessLog.wants(
        status,
        refusal !== null,
        decision === 'unauthenticated' || decision === 'forbidden',
        refusal?.expected === true,
      )
    )
      writeAccessLine(logger, request, status, ms)
    this.gateSpan?.end({
      attributes: {
        'fxa_gate.endpoint': endpoint,
        'http.response.status_code': status,
        ...(decision === null ? {} : { 'fxa_gate.decision': decision }),
      },
    })
  }

  function track(request: FastifyRequest, reply: FastifyReply): void {
    // fastify builds a framework error's request from its base class, without the decorations.
    if (request.gateEndpoint === undefined) Object.assign(request, REQUEST_FIELDS)
    const res = reply.raw as ObservedResponse
    if (options.sidecar && !underPrefix(request.raw.url ?? '/')) request.gateEndpoint = 'sidecar'
    // Sent on every answer, so nginx can log it ($upstream_http_x_request_id) and users can quote it.
    reply.header(REQUEST_ID_HEADER, request.id)
    if (lifecycle.draining) reply.header('connection', 'close')
    inFlight.value++
    res[kObserved] = request
    res[kStarted] = performance.now()
    res.on('close', finished)
  }

  app.addHook('onRequest', (request, reply, done) => {
    track(request, reply)
    const res = reply.raw as ObservedResponse
    if (tracing.enabled) {
      const traced = () => {
        res.gateSpan = tracing.request(request.raw, done)
      }
      if (scope) scope.run(request, traced)
      else traced()
    } else if (scope) scope.run(request, done)
    else done()
  })

  return {
    track,
    begin(req, res: ObservedResponse, endpoint) {
      const id = requestIdOf(req)
      const exchange: FastExchange = {
        id,
        raw: req,
        gateEndpoint: endpoint,
        gateSubject: null,
        gateDecision: null,
        gateUid: null,
        gateRefusal: null,
        gateUpstreamStart: 0,
        gateUpstreamSpan: null,
        answerHeaders: lifecycle.draining
          ? [REQUEST_ID_HEADER, id, 'connection', 'close']
          : [REQUEST_ID_HEADER, id],
      }
      inFlight.value++
      res[kObserved] = exchange
      res[kStarted] = performance.now()
      res.on('close', finished)
      return exchange
    },
  }
}
