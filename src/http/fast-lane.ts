import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import type { ExchangeObserver } from '../observability/http-observer.ts'

/** A transport's synchronous handling: true when it answered the request (see TransportHandler.handleNow). */
export type QuickHandler = (req: IncomingMessage, res: ServerResponse, observer: ExchangeObserver) => boolean

/** The methods fxa-gate's routes accept; anything else is fastify's to refuse. */
const METHODS = new Set(['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT', 'OPTIONS'])
const BODYLESS = new Set(['GET', 'HEAD'])

/**
 * Whether fastify must see the request: it has a body (100-continue, upload limits, `_method`,
 * draining an auth request's body), or a Content-Type that fastify checks before any handler runs.
 */
function needsFastify(req: IncomingMessage): boolean {
  const headers = req.headers
  if (headers['transfer-encoding'] !== undefined) return true
  const length = headers['content-length']
  if (length !== undefined && length !== '0') return true
  return headers['content-type'] !== undefined && !BODYLESS.has(req.method!)
}

export interface FastLane {
  /** Requests for exactly this path (before the query). */
  exact(path: string, handler: QuickHandler): void
  /** Requests whose path starts with `prefix` (which ends with `/`). */
  under(prefix: string, handler: QuickHandler): void
  /** Requests outside fxa-gate's prefix (the sidecar's). */
  rest(handler: QuickHandler): void
  /** The main listener's request handler: the lane first, `fallback` (fastify) for the rest. */
  listener(fallback: RequestListener, observer: () => ExchangeObserver | undefined): RequestListener
}

/**
 * The fast path in front of fastify: a request whose transport can decide and answer it from
 * memory (a cached session or bearer token, a signed assertion) is answered without fastify, a
 * promise per request, or a logger; every other request — and any the transport declines — goes to
 * fastify exactly as it would without the lane. The lane routes only exact paths and fxa-gate's
 * prefix; the decision itself is the transports' own (TransportHandler.handleNow).
 */
export function createFastLane(prefix: string, options: { readonly enabled: boolean }): FastLane {
  const exact = new Map<string, QuickHandler>()
  const under: [string, QuickHandler][] = []
  let rest: QuickHandler | undefined

  function route(url: string): QuickHandler | undefined {
    const queryAt = url.indexOf('?')
    const path = queryAt === -1 ? url : url.slice(0, queryAt)
    const inPrefix = path === prefix || path.startsWith(`${prefix}/`)
    if (!inPrefix) return rest
    const found = exact.get(path)
    if (found !== undefined) return found
    for (const [start, handler] of under) if (path.startsWith(start)) return handler
    return undefined
  }

  return {
    exact: (path, handler) => void exact.set(path, handler),
    under: (start, handler) => void under.push([start, handler]),
    rest(handler) {
      rest = handler
    },
    listener(fallback, observer) {
      if (!options.enabled) return fallback
      return function fastLane(req, res) {
        const watching = observer()
        const handler =
          watching && METHODS.has(req.method!) && !needsFastify(req) ? route(req.url ?? '') : undefined
        if (handler === undefined || !handler(req, res, watching!)) fallback(req, res)
      }
    },
  }
}
