/** A Mozilla account as the fake knows it; tests may mutate these objects to change a profile. */
export interface FakeUser {
  uid: string
  email: string
  displayName?: string
  locale?: string
  avatar?: string
  /**
   * Subscription capabilities, as the profile's `subscriptions` shows them: a list for every
   * client, or per client id (`'*'` for every client), as FxA maps products to clients.
   */
  subscriptions?: string[] | Record<string, string[]>
  /** Two-step authentication is on: the sign-in form asks for a code, and the sign-in is AAL2. */
  twoFactor?: boolean
  /**
   * With `twoFactor`: `'always'` (default, as FxA) or `'when-asked'` — sign-ins are AAL1 unless the
   * relying party asks `acr_values=AAL2`, like a session FxA verified before two-step was turned on.
   */
  twoFactorWhen?: 'always' | 'when-asked'
  metricsEnabled?: boolean
  /**
   * Extra claims in the ID token and the profile, for generic OIDC providers (`email_verified`,
   * `groups`, an `acr` such as Keycloak's "1"/"2"). They override the fake's own claims; `null`
   * removes one (e.g. `'fxa-aal': null`, which a generic provider does not send).
   */
  claims?: Record<string, unknown>
}

/** A relying party registered with the fake. A client without a secret is public (PKCE, no client auth). */
export interface FakeClient {
  clientId: string
  clientSecret?: string
  redirectUris: string[]
  /**
   * A Mozilla-trusted client may ask for any scope. An untrusted one (every non-Mozilla relying
   * party) only for `openid profile:uid profile:email profile:display_name` and its own scopes
   * (`allowedScopes`): anything else is refused with errno 114. Default true.
   */
  trusted?: boolean
  /** URL scopes (e.g. a service scope) an untrusted client may ask for besides the basic ones. */
  allowedScopes?: string[]
  /** FxA's `canGrant` clients (Firefox itself): their tokens die on a password change like a public client's. */
  canGrant?: boolean
  /** Lifetime of this client's access tokens (seconds); the fake's default otherwise. */
  accessTokenTtlSeconds?: number
  /** Rotate refresh tokens on every refresh grant, as some generic OIDC providers do. FxA never does. */
  rotateRefreshTokens?: boolean
}

export interface FakeFxaOptions {
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number
  /** Public issuer URL when it differs from http://host:port (e.g. behind docker port mapping). */
  issuer?: string
  clients: FakeClient[]
  users?: FakeUser[]
  /** Lifetime of access tokens minted by the token endpoint. Default 3600. */
  accessTokenTtlSeconds?: number
  /** Scopes recognised besides FxA's usual ones (e.g. a service scope `https://identity.mozilla.com/apps/x`). */
  scopes?: string[]
  /** Where unexpected server errors are reported. Default: console.error. */
  logError?: (message: string, error: unknown) => void
}

export type FailureMode =
  | { status: number; retryAfter?: number; body?: string }
  | { delayMs: number }
  | { nonJson: true }

/** Endpoints whose behaviour `setFailure` can change. */
export const failureEndpoints = ['token', 'profile', 'introspect', 'verify', 'destroy', 'jwks'] as const
export type FailureEndpoint = (typeof failureEndpoints)[number]

export interface SignSetInput {
  sub: string
  events: Record<string, unknown>
  /** Default: the first registered client. */
  aud?: string
  /** Default: the issuer. */
  iss?: string
  /** Seconds, may be fractional. Default: now. */
  iat?: number
  jti?: string
  alg?: 'RS256' | 'none'
  /** 'foreign' signs with another key that carries the same kid (a bad signature). */
  key?: 'provider' | 'foreign'
}

export interface FakeAccountActions {
  /**
   * Changes the password: like FxA, revokes the tokens of public and canGrant clients only (a
   * confidential client's tokens stay active). Returns the password-change SET `{changeTime}`.
   */
  changePassword(uid: string, options?: EventOptions): Promise<{ changeTime: number; set: string }>
  /** "Disconnect" in Connected Services: the client's refresh and access tokens for the user die. No event. */
  disconnect(uid: string, clientId?: string): Promise<number>
  /** Edits the profile; the profile-change SET carries `{email}` when the email changed, else nothing. */
  changeProfile(uid: string, patch: Partial<Omit<FakeUser, 'uid'>>, options?: EventOptions): Promise<string>
  /** Opts in or out of metrics: the profile's `metricsEnabled` and a metrics-opt-in/-opt-out SET. */
  setMetricsEnabled(uid: string, enabled: boolean, options?: EventOptions): Promise<string>
  /** Subscribes or unsubscribes: the profile's capabilities and a subscription-state-change SET. */
  changeSubscription(
    uid: string,
    change: { capabilities: string[]; isActive: boolean },
    options?: EventOptions,
  ): Promise<string>
  /** Deletes the account with every token; returns the delete-user SET. */
  deleteUser(uid: string, options?: EventOptions): Promise<string>
}

export interface EventOptions {
  /** The relying party the SET is for (default: the first registered client). */
  aud?: string
}

export interface IssueAccessTokenInput {
  uid: string
  clientId: string
  scope: string
  ttlSeconds?: number
}

export interface FakeFxaCalls {
  authorization: number
  token: number
  /** Token requests with grant_type=refresh_token (also counted in `token`). */
  refresh: number
  profile: number
  introspect: number
  verify: number
  destroy: Array<Record<string, string>>
}

export interface FakeFxa {
  /** 'http://127.0.0.1:PORT' (no trailing slash). */
  readonly issuer: string
  /** issuer + '/v1' */
  readonly oauthUrl: string
  /** issuer + '/v1' */
  readonly profileUrl: string
  readonly port: number
  readonly calls: FakeFxaCalls
  /** By uid; tests mutate it (e.g. change an email). */
  readonly users: Map<string, FakeUser>
  userByEmail(email: string): FakeUser | undefined
  /** Make an endpoint misbehave ('token' | 'profile' | 'introspect' | 'verify' | 'destroy' | 'jwks'); null restores it. */
  setFailure(endpoint: string, mode: FailureMode | null): void
  /** Sign a Security Event Token with the provider's own RS256 key (same kid as in /v1/jwks). */
  signSet(input: SignSetInput): Promise<string>
  /** Mint an access token directly (for bearer-token tests), as if the user had authorized the client. */
  issueAccessToken(input: IssueAccessTokenInput): Promise<string>
  /** Mint a refresh token directly (offline access), as if the user had authorized the client. */
  issueRefreshToken(input: IssueAccessTokenInput): Promise<string>
  /** Lifetime of access tokens issued from now on (seconds), for every client or one. */
  setAccessTokenTtl(seconds: number, clientId?: string): void
  /**
   * What the account's owner can do in FxA's settings, and the Security Event Token FxA then sends
   * the relying party (signed like `signSet`, `aud` the first client unless given).
   */
  readonly account: FakeAccountActions
  /** Refresh tokens still alive, optionally of one user and/or client (Connected Services entries). */
  liveRefreshTokens(filter?: { uid?: string; clientId?: string }): number
  /** Stop listening and destroy open sockets, keeping all state (outage tests). */
  stop(): Promise<void>
  /** Listen again on the same port. */
  start(): Promise<void>
  close(): Promise<void>
}
