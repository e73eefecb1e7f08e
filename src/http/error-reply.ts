import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { type ErrorCode, GateError, retryAfterOf } from '../errors.ts'
import type { LogLimiter } from '../observability/log-limiter.ts'
import type { Metrics } from '../observability/metrics.ts'
import { isNavigation } from './navigation.ts'

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ESCAPES[char]!)
}

function page(status: number, message: string, link?: { href: string; text: string }): string {
  const action = link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>` : ''
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${status}</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#20123a}h1{font-size:1.4rem}</style></head><body><h1>${escapeHtml(message)}</h1>${action}<p><small>fxa-gate · ${status}</small></p></body></html>`
}

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
    return reply.type('text/html; charset=utf-8').send(page(error.status, error.message, link))
  }
  return reply.type('application/json').send({ error: error.code, message: error.message, ...extra })
}

/**
 * Fastify's error handler: codes from the table pass through, anything else is a logged 500. A
 * dependency that is away (a code with Retry-After) is an expected condition: logged through the
 * limiter, without a stack, at most once a second per code.
 */
export function createErrorHandler(metrics: Metrics, failures: LogLimiter) {
  return function handleError(
    this: unknown,
    raw: FastifyError,
    request: FastifyRequest,
    reply: FastifyReply,
  ) {
    const error = toGateError(raw)
    metrics.requestErrors.inc({ code: error.code })
    if (retryAfterOf(error.code) !== undefined) {
      failures.failure(error.code, { detail: error.detail }, 'request failed: a dependency is unavailable')
    } else if (error.status >= 500) {
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
