import type { IncomingHttpHeaders } from 'node:http'
import { type BearerCredential, readBearer, refuseTokenInQuery } from '../bearer/authorization-header.ts'
import type { TokenChecker } from '../bearer/token-checker.ts'
import { clientAddress } from '../http/client-address.ts'
import { readCookie } from '../http/cookies.ts'
import { type Identity, identityFromSession } from '../identity/identity.ts'
import type { Revalidation } from '../session/revalidation.ts'
import type { LiveSession, Sessions } from '../session/sessions.ts'
import type { SessionRecord } from '../session/types.ts'

/** The credentials of one request, as its transport received them. */
export interface Credentials {
  readonly headers: IncomingHttpHeaders
  /** Lets duplicate Authorization lines be seen (Node keeps only the first in `headers`). */
  readonly rawHeaders: readonly string[]
  /** The URL being decided on, whose query must not carry a token. */
  readonly url?: string
  /**
   * The socket's peer address: with a trusted proxy's X-Forwarded-For, it names the client whose
   * budget a check of an unknown bearer token comes from (see http/client-address.ts).
   */
  readonly peer?: string | undefined
}

export interface Authenticator {
  /**
   * Who the request is from, by its credentials: `Authorization: Bearer` first (an invalid token is
   * a 401, never a fall-back to the cookie), then the session cookie. Null for an anonymous request.
   * A valid session awaits at most one store round trip, usually none (local cache).
   */
  authenticate(credentials: Credentials, options?: AuthenticateOptions): Promise<Identity | null>
  /**
   * The same from memory alone, without a promise (the fast path): undefined when it would need
   * the store or the provider. Throws what `authenticate` would for malformed credentials.
   */
  authenticateNow(credentials: Credentials, options?: AuthenticateOptions): Identity | null | undefined
}

export interface AuthenticateOptions {
  /** The OAuth clients whose bearer tokens are accepted, instead of the configured list (a service's). */
  readonly allowedClients?: ReadonlySet<string> | undefined
}

export interface AuthenticatorDeps {
  readonly tokens: TokenChecker
  readonly sessions: Sessions
  readonly cookieName: string
  /** Whether a socket peer address may set X-Forwarded-For (the client address of bearer checks). */
  readonly trustedPeer: (address: string | undefined) => boolean
  /** Re-checks sessions with the provider when due (sessions follow the account). */
  readonly revalidation?: Pick<Revalidation, 'due'> | undefined
}

/** Built once per app: every transport and the websocket watch authenticate through it. */
export function createAuthenticator(deps: AuthenticatorDeps): Authenticator {
  const { tokens, sessions, cookieName, trustedPeer } = deps
  // Cached records are the same object across requests: derive their identity once, so the
  // header and assertion caches keyed on the identity hit too.
  const identities = new WeakMap<SessionRecord, Identity>()
  function identityOf(session: LiveSession | null): Identity | null {
    if (!session) return null
    let identity = identities.get(session.record)
    if (identity === undefined) {
      identity = identityFromSession(session.record)
      identities.set(session.record, identity)
    }
    return identity
  }
  /** Reads the credentials once: a bearer token, a session cookie value, or neither. */
  function credentialOf(credentials: Credentials): BearerCredential | { kind: 'cookie'; value: string } {
    if (credentials.url !== undefined) refuseTokenInQuery(credentials.url)
    const bearer = readBearer(credentials.headers.authorization, credentials.rawHeaders)
    if (bearer.kind === 'bearer') return bearer
    const cookie = readCookie(credentials.headers.cookie, cookieName)
    return cookie === undefined ? bearer : { kind: 'cookie', value: cookie }
  }
  return {
    authenticateNow(credentials, options) {
      const credential = credentialOf(credentials)
      if (credential.kind === 'none') return null
      if (credential.kind === 'bearer')
        return tokens.identifyNow(credential.token, { allowedClients: options?.allowedClients })
      const session = sessions.resolveNow(credential.value)
      if (!session) return session === undefined ? undefined : null
      // A due revalidation starts here too (in the background); one the request must wait for
      // (a long-idle session) is the slow path's, which joins the same check.
      if (deps.revalidation?.due(session) !== undefined) return undefined
      return identityOf(session)
    },
    async authenticate(credentials, options) {
      const credential = credentialOf(credentials)
      if (credential.kind === 'none') return null
      if (credential.kind === 'bearer') {
        const client = clientAddress(credentials.peer, credentials.headers['x-forwarded-for'], trustedPeer)
        return tokens.identify(credential.token, { client, allowedClients: options?.allowedClients })
      }
      let session = await sessions.resolve(credential.value)
      if (!session) return null
      // Nothing to do until the session's revalidation is due; only a long-idle one waits for it.
      const check = deps.revalidation?.due(session)
      if (check !== undefined) session = await check
      return identityOf(session)
    },
  }
}
