import * as oidc from 'openid-client'
import { type ErrorCode, GateError } from '../errors.ts'

/**
 * The one boundary where openid-client's and fetch's errors become fxa-gate's codes. Branches on
 * error codes and classes, never on message text.
 */
export function translateProviderError(error: unknown, operation: string): GateError {
  if (error instanceof GateError) return error
  const code = providerErrorCode(error)
  return new GateError(code, { cause: error, detail: `${operation}: ${describe(error)}` })
}

/**
 * FxA's errnos for a code it will not exchange: unknown (105), another client's (106), expired
 * (107), PKCE mismatch or missing (117, 118), acr mismatch (120). FxA answers them with its own
 * error body (`{code, errno, error: "Bad Request"}`), not OAuth's `invalid_grant`.
 */
const FXA_CODE_REFUSED = new Set([105, 106, 107, 117, 118, 120])

/** The errno of an FxA error body, when the provider answered with one. */
export function fxaErrno(error: unknown): number | undefined {
  if (!(error instanceof oidc.ResponseBodyError)) return undefined
  const errno = (error.cause as { errno?: unknown } | undefined)?.errno
  return typeof errno === 'number' ? errno : undefined
}

function providerErrorCode(error: unknown): ErrorCode {
  if (error instanceof oidc.AuthorizationResponseError) {
    return error.error === 'access_denied' ? 'LOGIN_DENIED' : 'PROVIDER_ERROR'
  }
  if (error instanceof oidc.ResponseBodyError) {
    if (error.error === 'invalid_grant' || FXA_CODE_REFUSED.has(fxaErrno(error) ?? 0))
      return 'LOGIN_CODE_REJECTED'
    return error.status >= 500 || error.status === 429 ? 'PROVIDER_UNAVAILABLE' : 'PROVIDER_ERROR'
  }
  if (error instanceof oidc.ClientError) {
    // openid-client wraps fetch's failures: a timeout, an abort, a refused or reset connection.
    if (error.code === 'OAUTH_TIMEOUT' || error.code === 'OAUTH_ABORT' || isNetworkFailure(error.cause)) {
      return 'PROVIDER_UNAVAILABLE'
    }
    switch (error.code) {
      case 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED':
      case 'OAUTH_JWT_CLAIM_COMPARISON_FAILED':
      case 'OAUTH_KEY_SELECTION_FAILED':
        return 'ID_TOKEN_INVALID'
      case 'OAUTH_RESPONSE_IS_NOT_JSON':
      case 'OAUTH_RESPONSE_IS_NOT_CONFORM':
        return isServerFailure(error) ? 'PROVIDER_UNAVAILABLE' : 'PROVIDER_ERROR'
      default:
        return 'PROVIDER_ERROR'
    }
  }
  return isNetworkFailure(error) ? 'PROVIDER_UNAVAILABLE' : 'PROVIDER_ERROR'
}

/** fetch's failures: refused connections, DNS, resets (TypeError), timeouts and aborts (DOMException). */
function isNetworkFailure(error: unknown): boolean {
  return (
    error instanceof TypeError ||
    (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError'))
  )
}

function isServerFailure(error: oidc.ClientError): boolean {
  const response = (error.cause as { status?: number } | undefined) ?? {}
  return typeof response.status === 'number' && response.status >= 500
}

function describe(error: unknown): string {
  if (error instanceof oidc.ResponseBodyError)
    return `${error.status} ${error.error}${fxaErrno(error) === undefined ? '' : ` errno ${fxaErrno(error)}`}`
  if (error instanceof oidc.AuthorizationResponseError) return error.error
  if (error instanceof oidc.ClientError) return error.code ?? error.name
  if (error instanceof Error) return `${error.name}${'code' in error ? ` ${String(error.code)}` : ''}`
  return 'unknown error'
}
