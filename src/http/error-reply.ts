import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { type ErrorCode, GateError } from '../errors.ts'
import type { Metrics } from '../observability/metrics.ts'
import { errorPage } from './error-body.ts'
import { isNavigation } from './navigation.ts'

export { escapeHtml } from './error-body.ts'

/**
 * Answers with an error code: an HTML page for a browser navigation, JSON otherwise. The body
 * holds the code's public message only, never a cause or stack.
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
    return reply.type('text/html; charset=utf-8').send(errorPage(error.status, error.message, link))
  }
  return reply.type('application/json').send({ error: error.code, message: error.message, ...extra })
}

/** Fastify's error handler: codes from the table pass through, anything else is a logged 500. */
export function createErrorHandler(metrics: Metrics) {
  return function handleError(
    this: unknown,
    raw: FastifyError,
    request: FastifyRequest,
    reply: FastifyReply,
  ) {
    const error = toGateError(raw)
    metrics.requestErrors.inc({ code: error.code })
    if (error.status >= 500) {
      request.log.error({ code: error.code, detail: error.detail, err: error.cause ?? raw }, 'request failed')
    } else {
      request.log.info(
        { code: error.code, detail: error.detail, url: request.routeOptions.url },
        'request refused',
      )
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
