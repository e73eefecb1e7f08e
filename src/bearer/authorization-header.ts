import { GateError } from '../errors.ts'

export type BearerCredential = { kind: 'none' } | { kind: 'bearer'; token: string }

const NONE: BearerCredential = Object.freeze({ kind: 'none' })
/** RFC 6750 b64token, at most 4 KiB (FxA's tokens are 64 hex characters; JWTs a few hundred). */
const TOKEN = /^[A-Za-z0-9\-._~+/]{1,4096}=*$/

export function invalidRequest(detail: string): GateError {
  return new GateError('BEARER_MALFORMED', {
    detail,
    wwwAuthenticate: 'Bearer realm="fxa-gate", error="invalid_request"',
  })
}

/**
 * Reads the bearer credential of a request, deciding on one reading of it:
 * - no Authorization header, or another scheme (Basic …): no bearer credential;
 * - the scheme is matched case-insensitively (RFC 9110 §11.1): `bearer x` is `Bearer x`;
 * - exactly one space, then one b64token: anything else (empty, two spaces, `Bearer a Bearer b`,
 *   over 4 KiB, two Authorization lines) is refused as invalid_request, never guessed at.
 *
 * `rawHeaders` is walked only when an Authorization header exists, to see duplicates that Node
 * would otherwise hide (it keeps the first).
 */
export function readBearer(
  authorization: string | undefined,
  rawHeaders: readonly string[],
): BearerCredential {
  if (authorization === undefined) return NONE
  let count = 0
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.length === 13 && rawHeaders[i]!.toLowerCase() === 'authorization') count++
  }
  if (count > 1) throw invalidRequest('duplicate Authorization header')
  if (authorization.length < 6 || authorization.slice(0, 6).toLowerCase() !== 'bearer') return NONE
  if (authorization.length === 6) throw invalidRequest('empty bearer token')
  if (!/\s/.test(authorization[6]!)) return NONE // another scheme, e.g. `Bearerish …`
  if (authorization[6] !== ' ') throw invalidRequest('Bearer must be followed by one space')
  const token = authorization.slice(7)
  if (!TOKEN.test(token)) throw invalidRequest('malformed bearer token')
  return { kind: 'bearer', token }
}

/** Tokens belong in the Authorization header: one in a URL leaks into logs and Referer headers. */
export function refuseTokenInQuery(url: string): void {
  const at = url.indexOf('?')
  if (at !== -1 && /(?:^|&)access_token=/i.test(url.slice(at + 1))) {
    throw invalidRequest('access token in the query string')
  }
}
