import type { ErrorCode, GateError } from '../errors.ts'
import type { PageLinks } from './links.ts'
import type { PageLink, PageSpec } from './pages.ts'
import { text } from './text.ts'

/** What a person is told about an error: a handful of plain situations, never the code's own text. */
type Situation =
  | 'bad-request'
  | 'unauthenticated'
  | 'token'
  | 'forbidden'
  | 'not-found'
  | 'method'
  | 'timeout'
  | 'too-many'
  | 'unavailable'
  | 'busy'
  | 'cross-site'
  | 'forged-header'
  | 'headers-too-large'
  | 'profile-too-large'
  | 'logout-incomplete'
  | 'provider'
  | 'app'
  | 'setup'
  | 'internal'
  | 'login-expired'
  | 'login-mismatch'
  | 'login-cancelled'
  | 'login-failed'

/**
 * Every error code's situation. Codes that only API clients or operators meet (admin, events,
 * forward-auth set-up) still get a page, in case a browser ever lands on one: "not set up
 * correctly", with the reference for the operator.
 */
const SITUATIONS = {
  BAD_REQUEST: 'bad-request',
  HOST_MISMATCH: 'setup',
  FORGED_IDENTITY_HEADER: 'forged-header',
  HEADERS_TOO_LARGE: 'headers-too-large',
  REQUEST_TIMEOUT: 'timeout',
  BAD_RETURN_URL: 'bad-request',
  LOGIN_STATE_MISSING: 'login-expired',
  LOGIN_STATE_MISMATCH: 'login-mismatch',
  LOGIN_CALLBACK_INVALID: 'login-failed',
  LOGIN_DENIED: 'login-cancelled',
  LOGIN_CODE_REJECTED: 'login-failed',
  // The provider has not verified the email: a login that cannot complete here.
  LOGIN_EMAIL_UNVERIFIED: 'login-failed',
  ID_TOKEN_INVALID: 'provider',
  PROFILE_TOO_LARGE: 'profile-too-large',
  UNAUTHENTICATED: 'unauthenticated',
  UNTRUSTED_PEER: 'setup',
  BEARER_MALFORMED: 'token',
  BEARER_INVALID: 'token',
  BEARER_NOT_ACCEPTED: 'token',
  FORBIDDEN: 'forbidden',
  LOGOUT_NOT_SAME_ORIGIN: 'cross-site',
  SESSIONS_NOT_SAME_ORIGIN: 'cross-site',
  SESSION_NOT_FOUND: 'not-found',
  NOT_FOUND: 'not-found',
  METHOD_NOT_ALLOWED: 'method',
  PROVIDER_UNAVAILABLE: 'provider',
  PROVIDER_THROTTLED: 'provider',
  TOO_MANY_REQUESTS: 'too-many',
  OVERLOADED: 'busy',
  NODES_FULL: 'busy',
  PROVIDER_ERROR: 'provider',
  STORE_UNAVAILABLE: 'unavailable',
  REPLICATION_UNCONFIRMED: 'unavailable',
  // Never "signed out" while the session still works: the page says so (D4).
  LOGOUT_INCOMPLETE: 'logout-incomplete',
  NOT_READY: 'unavailable',
  SHUTTING_DOWN: 'unavailable',
  UPSTREAM_UNAVAILABLE: 'app',
  UPSTREAM_TIMEOUT: 'app',
  EVENT_REJECTED: 'setup',
  EVENT_IN_PROGRESS: 'unavailable',
  ADMIN_FORBIDDEN: 'setup',
  ADMIN_HOST_REFUSED: 'setup',
  INTERNAL: 'internal',
} as const satisfies Record<ErrorCode, Situation>

/** For a status no code names (a framework's own 4xx, a code added without a situation). */
function byStatus(status: number): Situation {
  if (status === 401) return 'unauthenticated'
  if (status === 403) return 'forbidden'
  if (status === 404) return 'not-found'
  if (status === 405) return 'method'
  if (status === 408) return 'timeout'
  if (status === 429) return 'too-many'
  if (status === 502 || status === 504) return 'app'
  if (status === 503) return 'unavailable'
  return status < 500 ? 'bad-request' : 'internal'
}

export function situationOf(error: Pick<GateError, 'code' | 'status'>): Situation {
  return (SITUATIONS as Record<string, Situation>)[error.code] ?? byStatus(error.status)
}

/** Every situation's message ids (a code's, or a bare status's), for the completeness test. */
export const SITUATION_MESSAGES = [...new Set<Situation>([...Object.values(SITUATIONS), 'too-many'])].flatMap(
  (situation) => [titleId(situation), reasonId(situation)],
)

function titleId(situation: Situation): string {
  return situation.startsWith('login-') ? `${situation}-title` : `error-${situation}-title`
}

function reasonId(situation: Situation): string {
  return situation.startsWith('login-') ? `${situation}-reason` : `error-${situation}-reason`
}

/** What the page of an error knows besides the error: where the user was going. */
export interface ErrorPageHints {
  /** A checked return URL (a login's), for "sign in again" and "go back". */
  readonly returnTo?: string | undefined
  /** The request can be repeated as it is (a GET): "try again" reloads it. */
  readonly retryUrl?: string | undefined
}

/** The page of an error: its situation in plain words, and the ways forward that fit it. */
export function errorPage(error: GateError, links: PageLinks, hints: ErrorPageHints = {}): PageSpec {
  const situation = situationOf(error)
  const signIn: PageLink = { href: links.signIn(hints.returnTo), text: text('link-sign-in-again') }
  const back: PageLink = { href: links.back(hints.returnTo), text: text('link-back') }
  const retry: PageLink | undefined =
    hints.retryUrl === undefined ? undefined : { href: hints.retryUrl, text: text('link-try-again') }
  const ways: PageLink[] = []
  switch (situation) {
    case 'unauthenticated':
      ways.push({ href: links.signIn(hints.returnTo), text: text('link-sign-in'), primary: true })
      break
    case 'token':
    case 'login-expired':
    case 'login-mismatch':
    case 'login-cancelled':
    case 'login-failed':
      ways.push({ ...signIn, primary: true }, back)
      break
    case 'forbidden':
      ways.push({ href: links.otherAccount(hints.returnTo), text: text('link-other-account') }, back)
      break
    case 'profile-too-large':
      if (links.accountSettings !== undefined)
        ways.push({ href: links.accountSettings, text: text('link-account-settings'), primary: true })
      ways.push(signIn, back)
      break
    case 'timeout':
    case 'too-many':
    case 'unavailable':
    case 'busy':
    case 'provider':
    case 'app':
    case 'internal':
      if (retry !== undefined) ways.push({ ...retry, primary: true })
      ways.push(back)
      break
    default:
      ways.push({ ...back, primary: true })
  }
  return {
    template: 'message',
    status: error.status,
    heading: text(titleId(situation)),
    paragraphs: [text(reasonId(situation))],
    links: ways,
  }
}
