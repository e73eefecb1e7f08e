import { GateError } from '../errors.ts'

export type UpstreamFailureReason = 'refused' | 'timeout' | 'reset' | 'other'

// undici's error codes (and those of @fastify/reply-from, which the sidecar once used) that mean "took too long".
const TIMEOUTS = new Set([
  'FST_REPLY_FROM_TIMEOUT',
  'FST_REPLY_FROM_GATEWAY_TIMEOUT',
  'FST_REPLY_FROM_HTTP_REQUEST_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
])
const REFUSED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'FST_REPLY_FROM_SERVICE_UNAVAILABLE',
])
const RESET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'])

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/**
 * Translates what the proxy library reports about a failed upstream request into fxa-gate's codes:
 * a timeout is a 504, anything else a 502. Reads error codes (the library's and its cause's), never
 * message text.
 */
export function translateUpstreamError(error: unknown): { reason: UpstreamFailureReason; error: GateError } {
  const codes = [codeOf(error), codeOf((error as { cause?: unknown } | null)?.cause)]
  const has = (set: Set<string>) => codes.some((code) => code !== undefined && set.has(code))
  const detail = codes.filter(Boolean).join('/') || 'unknown'
  if (has(TIMEOUTS))
    return { reason: 'timeout', error: new GateError('UPSTREAM_TIMEOUT', { detail, cause: error }) }
  const reason: UpstreamFailureReason = has(REFUSED) ? 'refused' : has(RESET) ? 'reset' : 'other'
  return { reason, error: new GateError('UPSTREAM_UNAVAILABLE', { detail, cause: error }) }
}
