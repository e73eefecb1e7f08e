import type { ServerResponse } from 'node:http'
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  RouteOptions,
} from 'fastify'
import { type AccessLogPolicy, compileAccessLog, writeAccessLine } from './access-log.ts'
import type { Logger } from './logger.ts'
import { ENDPOINTS, type Endpoint } from './metric-definitions.ts'
import type { Metrics } from './metrics.ts'
import { REQUEST_FIELDS, REQUEST_ID_HEADER, type RequestScope } from './request-context.ts'
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

const kObserved = Symbol('fxa-gate.observed')
type ObservedResponse = ServerResponse & { [kObserved]?: FastifyReply; gateSpan?: SpanHandle }

/**
 * Request ids, metrics and the access log for every request of the main listener, from fastify
 * hooks: one root onRequest hook (the first of every request) and one `close` listener on the
 * response, which fires once whether the answer finished or the client went away. Label children
 * are resolved once per endpoint and status; a request allocates nothing here but its listener
 * registration.
 */
export function observeRequests(app: FastifyInstance, options: HttpObserverOptions): void {
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
    const reply = this[kObserved]
    if (reply === undefined) return
    this[kObserved] = undefined
    inFlight.value--
    const request = reply.request
    const upgraded = request.raw.headers.upgrade !== undefined && !this.headersSent
    const status = this.writableEnded ? this.statusCode : upgraded ? 101 : 499
    const ms = reply.elapsedTime
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

  app.addHook('onRequest', (request, reply, done) => {
    const res = reply.raw as ObservedResponse
    if (options.sidecar && !underPrefix(request.raw.url ?? '/')) request.gateEndpoint = 'sidecar'
    // Sent on every answer, so nginx can log it ($upstream_http_x_request_id) and users can quote it.
    reply.header(REQUEST_ID_HEADER, request.id)
    if (lifecycle.draining) reply.header('connection', 'close')
    inFlight.value++
    res[kObserved] = reply
    res.on('close', finished)
    if (tracing.enabled) {
      const traced = () => {
        res.gateSpan = tracing.request(request.raw, done)
      }
      if (scope) scope.run(request, traced)
      else traced()
    } else if (scope) scope.run(request, done)
    else done()
  })
}
