import type { IncomingHttpHeaders } from 'node:http'
import { readBearer, refuseTokenInQuery } from '../bearer/authorization-header.ts'
import type { TokenChecker } from '../bearer/token-checker.ts'
import { clientAddress } from '../http/client-address.ts'
import { readCookie } from '../http/cookies.ts'
import { type Identity, identityFromSession } from '../identity/identity.ts'
import type { Sessions } from '../session/sessions.ts'
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
}

/** Built once per app: every transport and the websocket watch authenticate through it. */
export function createAuthenticator(deps: AuthenticatorDeps): Authenticator {
  const { tokens, sessions, cookieName, trustedPeer } = deps
  // Cached records are the same object across requests: derive their identity once, so the
  // header and assertion caches keyed on the identity hit too.
  const identities = new WeakMap<SessionRecord, Identity>()
  return {
    async authenticate(credentials, options) {
      if (credentials.url !== undefined) refuseTokenInQuery(credentials.url)
      const bearer = readBearer(credentials.headers.authorization, credentials.rawHeaders)
      if (bearer.kind === 'bearer') {
        const client = clientAddress(credentials.peer, credentials.headers['x-forwarded-for'], trustedPeer)
        return tokens.identify(bearer.token, { client, allowedClients: options?.allowedClients })
      }
      const cookie = readCookie(credentials.headers.cookie, cookieName)
      if (cookie === undefined) return null
      const session = await sessions.resolve(cookie)
      if (!session) return null
      let identity = identities.get(session.record)
      if (identity === undefined) {
        identity = identityFromSession(session.record)
        identities.set(session.record, identity)
      }
      return identity
    },
  }
}
