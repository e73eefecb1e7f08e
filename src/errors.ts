/**
 * Every error fxa-gate answers with is one of these codes. Branch on `code`, never on message text.
 * Third-party errors are translated into these at one boundary (see identity/ and redis/).
 *
 * `retryAfter` (seconds) marks a dependency that is away or slow: the answer carries `Retry-After`,
 * and the failure is expected, so it is logged without a stack and at most once a second per code
 * (observability/log-limiter.ts).
 */
export const ERRORS = {
  BAD_REQUEST: { status: 400, message: 'The request could not be understood.' },
  HOST_MISMATCH: {
    status: 400,
    message:
      "The request's host is not the one this auth URL serves (its host parameter names the Ingress's host).",
  },
  FORGED_IDENTITY_HEADER: {
    status: 400,
    message: 'The request carries an identity header that only fxa-gate may set.',
  },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large.' },
  REQUEST_TIMEOUT: {
    status: 408,
    message: 'The request was not received in time; the connection is closed.',
  },
  BAD_RETURN_URL: { status: 400, message: 'The return URL is not allowed.' },
  LOGIN_STATE_MISSING: {
    status: 400,
    message: 'No login is in progress in this browser, or it expired. Start again.',
  },
  LOGIN_STATE_MISMATCH: {
    status: 400,
    message: 'The login response does not belong to this browser. Start again.',
  },
  LOGIN_CALLBACK_INVALID: { status: 400, message: 'The login response is malformed.' },
  LOGIN_DENIED: { status: 403, message: 'The sign-in was cancelled or refused at the account provider.' },
  LOGIN_EMAIL_UNVERIFIED: {
    status: 403,
    message: 'The account provider has not verified this email address. Verify it there, then sign in again.',
  },
  LOGIN_CODE_REJECTED: {
    status: 400,
    message: 'The account provider refused the login code (expired or already used). Start again.',
  },
  ID_TOKEN_INVALID: {
    status: 502,
    message: 'The account provider sent an identity token that does not verify.',
  },
  PROFILE_TOO_LARGE: {
    status: 422,
    message:
      'Your account profile has a value this service cannot accept (too long, or too many items). Shorten it in your account settings, then sign in again.',
  },
  UNAUTHENTICATED: { status: 401, message: 'Sign-in required.' },
  UNTRUSTED_PEER: {
    status: 403,
    message:
      'This endpoint believes X-Forwarded-* headers only from peers listed in FXA_GATE_TRUSTED_PROXIES, and this peer is not listed.',
  },
  BEARER_MALFORMED: {
    status: 401,
    message:
      'The Authorization header is malformed: send exactly "Bearer <token>", once, and never a token in the URL.',
  },
  BEARER_INVALID: { status: 401, message: 'The bearer token is invalid, expired or not accepted here.' },
  BEARER_NOT_ACCEPTED: {
    status: 401,
    message:
      'Bearer tokens are not accepted on this route: it names no required scope, and FXA_GATE_BEARER_ALLOWED_CLIENTS is not set.',
  },
  FORBIDDEN: { status: 403, message: 'You are signed in but not allowed here.' },
  LOGOUT_NOT_SAME_ORIGIN: {
    status: 403,
    message:
      'Signing out needs a request from this site itself: open the logout page in the browser and confirm.',
  },
  SESSIONS_NOT_SAME_ORIGIN: {
    status: 403,
    message:
      'Ending sessions needs a request from this site itself (Origin or Sec-Fetch-Site same-origin); use the form on the sessions page.',
  },
  SESSION_NOT_FOUND: {
    status: 404,
    message: 'None of your sessions has this id (it may have ended already).',
  },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed.' },
  PROVIDER_UNAVAILABLE: {
    status: 503,
    message: 'The account provider cannot be reached. Try again shortly.',
    retryAfter: 5,
  },
  PROVIDER_THROTTLED: {
    status: 503,
    message: 'The account provider asked fxa-gate to slow down. Try again shortly.',
  },
  TOO_MANY_REQUESTS: { status: 429, message: 'Too many requests from this client. Try again shortly.' },
  OVERLOADED: { status: 503, message: 'fxa-gate is at capacity. Try again shortly.' },
  PROVIDER_ERROR: { status: 502, message: 'The account provider answered with an error.' },
  STORE_UNAVAILABLE: {
    status: 503,
    message: 'The session store cannot be reached. Try again shortly.',
    retryAfter: 2,
  },
  REPLICATION_UNCONFIRMED: {
    status: 503,
    message:
      "The change was made, but the session store's replicas did not confirm it in time, so a failover could undo it. Send it again.",
    retryAfter: 2,
  },
  LOGOUT_INCOMPLETE: {
    status: 503,
    message: 'You are still signed in: signing out could not be completed. Try again in a moment.',
    retryAfter: 2,
  },
  NODES_FULL: {
    status: 503,
    message: 'No node of this service can take a new user now. Try again later.',
    retryAfter: 60,
  },
  NOT_READY: { status: 503, message: 'fxa-gate is starting or has lost a dependency.', retryAfter: 5 },
  SHUTTING_DOWN: { status: 503, message: 'fxa-gate is restarting. Try again in a moment.', retryAfter: 1 },
  UPSTREAM_UNAVAILABLE: {
    status: 502,
    message: 'The application behind fxa-gate cannot be reached or broke the connection.',
    retryAfter: 2,
  },
  UPSTREAM_TIMEOUT: {
    status: 504,
    message: 'The application behind fxa-gate did not answer in time.',
    retryAfter: 2,
  },
  EVENT_REJECTED: { status: 401, message: 'The security event token is invalid; it was not processed.' },
  EVENT_IN_PROGRESS: {
    status: 503,
    message: 'This security event is being processed; deliver it again shortly.',
    retryAfter: 5,
  },
  ADMIN_FORBIDDEN: {
    status: 403,
    message:
      'Changing state on the admin listener needs FXA_GATE_ADMIN_TOKEN, which is not set: loopback alone proves nothing in a pod.',
  },
  ADMIN_HOST_REFUSED: {
    status: 421,
    message: 'The admin listener does not serve this host name (see FXA_GATE_ADMIN_HOSTS).',
  },
  INTERNAL: { status: 500, message: 'Internal error.' },
} as const satisfies Record<string, { status: number; message: string; retryAfter?: number }>

export type ErrorCode = keyof typeof ERRORS

/** The Retry-After (seconds) of a code that stands for an unavailable dependency; undefined otherwise. */
export function retryAfterOf(code: ErrorCode): number | undefined {
  const entry = ERRORS[code] as { readonly retryAfter?: number }
  return entry.retryAfter
}

/** An error with a code from the table; `detail` is for logs and must never hold a secret. */
export class GateError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly detail: string | undefined
  readonly retryAfterSeconds: number | undefined
  /** A WWW-Authenticate challenge to answer with (bearer token errors, RFC 6750). */
  readonly wwwAuthenticate: string | undefined

  constructor(
    code: ErrorCode,
    options: { detail?: string; cause?: unknown; retryAfterSeconds?: number; wwwAuthenticate?: string } = {},
  ) {
    super(ERRORS[code].message, { cause: options.cause })
    this.name = 'GateError'
    this.code = code
    this.status = ERRORS[code].status
    this.detail = options.detail
    this.retryAfterSeconds = options.retryAfterSeconds ?? retryAfterOf(code)
    this.wwwAuthenticate = options.wwwAuthenticate
  }
}
