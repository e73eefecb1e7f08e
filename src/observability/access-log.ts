import { errorFields } from './error-fields.ts'
import type { Logger } from './logger.ts'
import type { Exchange } from './request-context.ts'
import { traceIdOf } from './request-context.ts'

/** `FXA_GATE_ACCESS_LOG`, compiled: which answered requests get a line. */
export interface AccessLogPolicy {
  /**
   * Whether a request is logged: `refused` (an error code answered, which is always logged, whatever
   * the mode), `denied` (the decision was a login or a 403, whatever the status carrying it),
   * `expected` (a dependency was away: the failure limiter logs those, so only `all` adds a line
   * per request, and `sampled:N` counts them among the others).
   */
  wants(status: number, refused: boolean, denied: boolean, expected?: boolean): boolean
}

export function compileAccessLog(mode: string): AccessLogPolicy {
  if (mode === 'off') return { wants: (_status, refused, _denied, expected) => refused && !expected }
  if (mode === 'all') return { wants: () => true }
  const notAllowed = (status: number, refused: boolean, denied: boolean, expected = false) =>
    !expected && (refused || denied || status >= 400)
  if (mode === 'denied') return { wants: notAllowed }
  const every = Number(mode.slice('sampled:'.length))
  let seen = 0
  return {
    wants(status, refused, denied, expected) {
      if (notAllowed(status, refused, denied, expected)) return true
      seen = (seen + 1) % every
      return seen === 0
    },
  }
}

/** The query, which may carry tokens or personal data, is never logged. */
function pathOf(url: string): string {
  const at = url.indexOf('?')
  return at === -1 ? url : url.slice(0, at)
}

/**
 * The one line about an answered request: method, host, path (of the request decided on, for
 * forward-auth), status, duration, uid and request id, plus why it was refused. A 5xx is logged
 * as an error with its cause's class and code.
 */
export function writeAccessLine(logger: Logger, request: Exchange, status: number, ms: number): void {
  const subject = request.gateSubject
  const refusal = request.gateRefusal
  const raw = request.raw
  const line: Record<string, unknown> = {
    reqId: request.id,
    endpoint: request.gateEndpoint,
    method: subject?.method ?? raw.method,
    host: subject?.host ?? raw.headers.host,
    path: subject?.path ?? pathOf(raw.url ?? ''),
    status,
    durationMs: Math.round(ms * 100) / 100,
    uid: request.gateUid ?? undefined,
  }
  // Only a valid traceparent's id: a client's header is no log field until it is checked.
  const traceId = traceIdOf(raw)
  if (traceId !== undefined) line['traceId'] = traceId
  if (request.gateDecision !== null) line['decision'] = request.gateDecision
  if (refusal !== null) {
    line['code'] = refusal.code
    if (refusal.detail !== undefined) line['detail'] = refusal.detail
    if (refusal.source !== undefined) line['source'] = refusal.source
  }
  if (status >= 500) {
    const cause = refusal?.cause === undefined ? {} : errorFields(refusal.cause)
    logger.error({ ...line, ...cause, code: refusal?.code ?? cause.code }, 'request failed')
  } else {
    logger.info(line, refusal === null ? 'request' : 'request refused')
  }
}
