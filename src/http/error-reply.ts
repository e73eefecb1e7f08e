import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ERRORS, type ErrorCode, GateError, retryAfterOf } from '../errors.ts'
import { errorFields } from '../observability/error-fields.ts'
import type { LogLimiter } from '../observability/log-limiter.ts'
import type { Metrics } from '../observability/metrics.ts'
import { noteRefusal } from '../observability/request-context.ts'
import { type ErrorPageHints, errorPage } from '../pages/error-page.ts'
import type { Pages } from '../pages/pages.ts'
import { isNavigation } from './navigation.ts'

/** Makes the pages available to every error answer of this app (and its plugins). */
export function usePages(app: FastifyInstance, pages: Pages): void {
  app.decorate(PAGES, pages)
}

const PAGES = 'fxaGatePages'

function pagesOf(request: FastifyRequest): Pages | undefined {
  return (request.server as unknown as Record<typeof PAGES, Pages | undefined>)[PAGES]
}

const HINTS = Symbol('fxa-gate error page hints')

/**
 * Tells the page of an error this request may still end in what it knows (a login's return URL),
 * so that the error handler's page can offer to sign in again to the same place.
 */
export function notePageHints(request: FastifyRequest, hints: ErrorPageHints): void {
  ;(request as unknown as Record<symbol, ErrorPageHints>)[HINTS] = hints
}

/**
 * Answers with an error code: an HTML page in the user's language for a browser navigation (when
 * the app has pages: the admin listener has none), JSON otherwise. Either holds the request id to
 * quote (the page's "Reference", JSON's `reference`), never a cause or a stack; the page never the
 * code's own message either, which is written for operators.
 */
export function replyError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: GateError,
  extra: { loginUrl?: string } = {},
  format: 'negotiate' | 'json' = 'negotiate',
  hints: ErrorPageHints = {},
): FastifyReply {
  reply.code(error.status).header('cache-control', 'no-store')
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds))
  if (error.wwwAuthenticate !== undefined) reply.header('www-authenticate', error.wwwAuthenticate)
  const pages = format === 'negotiate' && isNavigation(request.headers) ? pagesOf(request) : undefined
  if (pages !== undefined) {
    // "Try again" repeats a GET of fxa-gate's own pages or the sidecar's; a forward-auth check's
    // URL is not one the browser knows.
    const retryUrl =
      request.method === 'GET' && !request.url.startsWith(pages.forwardAuthPath) ? request.url : undefined
    const noted = (request as unknown as Record<symbol, ErrorPageHints | undefined>)[HINTS]
    return pages.send(request, reply, errorPage(error, pages.links, { retryUrl, ...noted, ...hints }))
  }
  return reply
    .type('application/json')
    .send({ error: error.code, message: error.message, reference: request.id, ...extra })
}

/**
 * Fastify's error handler: codes from the table pass through, anything else is a 500. A dependency
 * that is away (a code with Retry-After) is an expected condition: logged through `failures`,
 * without a stack, at most once a second per code with a count, and not once per request. Other
 * refusals on the main listener (`observed`) are noted and logged once, with the rest of the
 * request, when its answer ends (observability/http-observer.ts); elsewhere they are logged here.
 * Either way the line names the host and path (never the query), and a 5xx its cause's class and code.
 */
export function createErrorHandler(
  metrics: Metrics,
  failures: LogLimiter,
  options: { observed?: boolean } = {},
) {
  const errors = new Map(Object.keys(ERRORS).map((code) => [code, metrics.requestErrors.labels(code)]))
  return function handleError(
    this: unknown,
    raw: FastifyError,
    request: FastifyRequest,
    reply: FastifyReply,
  ) {
    const error = toGateError(raw)
    errors.get(error.code)?.inc()
    // The translated error heads the chain down to the foreign cause (class and code are logged).
    const cause = error.status >= 500 ? error : undefined
    if (retryAfterOf(error.code) !== undefined) {
      failures.failure(error.code, { detail: error.detail }, 'request failed: a dependency is unavailable')
      if (options.observed) noteRefusal(request, { code: error.code, detail: error.detail, expected: true })
    } else if (options.observed) {
      noteRefusal(request, { code: error.code, detail: error.detail, cause })
    } else {
      const where = { method: request.method, host: request.headers.host, path: request.url.split('?', 1)[0] }
      if (error.status >= 500) request.log.error({ ...where, ...errorFields(cause) }, 'request failed')
      else request.log.info({ ...where, code: error.code, detail: error.detail }, 'request refused')
    }
    return replyError(request, reply, error)
  }
}

function toGateError(error: FastifyError | GateError): GateError {
  if (error instanceof GateError) return error
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) {
    const code: ErrorCode =
      status === 404 ? 'NOT_FOUND' : status === 405 ? 'METHOD_NOT_ALLOWED' : 'BAD_REQUEST'
    return new GateError(code, { detail: error.code })
  }
  return new GateError('INTERNAL', { cause: error })
}
