import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ERRORS, type ErrorCode, GateError } from '../errors.ts'
import { errorFields } from '../observability/error-fields.ts'
import type { Metrics } from '../observability/metrics.ts'
import { noteRefusal } from '../observability/request-context.ts'
import { errorPage } from './error-body.ts'
import { isNavigation } from './navigation.ts'

export { escapeHtml } from './error-body.ts'

/**
 * Answers with an error code: an HTML page for a browser navigation, JSON otherwise. The body
 * holds the code's public message and the request id to quote ("reference"), never a cause or stack.
 */
export function replyError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: GateError,
  extra: { loginUrl?: string } = {},
  format: 'negotiate' | 'json' = 'negotiate',
): FastifyReply {
  reply.code(error.status).header('cache-control', 'no-store')
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds))
  if (error.wwwAuthenticate !== undefined) reply.header('www-authenticate', error.wwwAuthenticate)
  if (format === 'negotiate' && isNavigation(request.headers)) {
    const link = extra.loginUrl ? { href: extra.loginUrl, text: 'Sign in' } : undefined
    return reply
      .type('text/html; charset=utf-8')
      .send(errorPage(error.status, error.message, request.id, link))
  }
  return reply
    .type('application/json')
    .send({ error: error.code, message: error.message, reference: request.id, ...extra })
}

/**
 * Fastify's error handler: codes from the table pass through, anything else is a 500. On the main
 * listener (`observed`) the refusal is noted and logged once, with the rest of the request, when its
 * answer ends (observability/http-observer.ts); elsewhere it is logged here. Either way the line
 * names the host and path (never the query), and a 5xx its cause's class and code.
 */
export function createErrorHandler(metrics: Metrics, options: { observed?: boolean } = {}) {
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
    if (options.observed) {
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
