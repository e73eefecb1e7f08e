import { STATUS_CODES } from 'node:http'

/** The FxA errors the fake answers with, by name. errno values are FxA's own. */
export const fxaErrors = {
  unknownClient: { code: 400, errno: 101, message: 'Unknown client' },
  incorrectSecret: { code: 400, errno: 102, message: 'Incorrect secret' },
  unknownCode: { code: 400, errno: 105, message: 'Unknown code' },
  invalidToken: { code: 400, errno: 108, message: 'Invalid token' },
  invalidRequestParameter: { code: 400, errno: 109, message: 'Invalid request parameter' },
  unauthorized: { code: 401, errno: 110, message: 'Unauthorized for route' },
  insufficientScope: { code: 403, errno: 112, message: 'Requested scopes are not allowed' },
  invalidScopes: { code: 400, errno: 114, message: 'Requested scopes are not allowed' },
  expiredToken: { code: 400, errno: 115, message: 'Expired token' },
  notPublicClient: { code: 400, errno: 116, message: 'Not a public client' },
  mismatchCodeChallenge: { code: 400, errno: 117, message: 'Incorrect code_challenge' },
  missingPkceParameters: { code: 400, errno: 118, message: 'Public clients require PKCE OAuth parameters' },
  mismatchAcr: { code: 400, errno: 120, message: 'Mismatch acr value' },
} as const

export type FxaErrorName = keyof typeof fxaErrors

export interface FxaErrorBody {
  code: number
  errno: number
  error: string
  message: string
  info: string
  [extra: string]: unknown
}

/** FxA's error body: `{code, errno, error, message, info}`. */
export function fxaErrorBody(name: FxaErrorName, extra: Record<string, unknown> = {}): FxaErrorBody {
  const { code, errno, message } = fxaErrors[name]
  return { code, errno, error: STATUS_CODES[code] ?? 'Error', message, info: infoUrl, ...extra }
}

/** The error body FxA sends for an injected failure status (throttling, outage, …). */
export function failureBody(status: number, retryAfter: number | undefined): FxaErrorBody {
  const errno = status === 429 ? 114 : status === 503 ? 201 : 999
  const message = status === 429 ? 'Client has sent too many requests' : 'Service unavailable'
  return {
    code: status,
    errno,
    error: STATUS_CODES[status] ?? 'Error',
    message,
    info: infoUrl,
    ...(retryAfter === undefined ? {} : { retryAfter }),
  }
}

const infoUrl = 'https://mozilla.github.io/ecosystem-platform/api#section/Response-format'
