/** A Mozilla account as the fake knows it; tests may mutate these objects to change a profile. */
export interface FakeUser {
  uid: string
  email: string
  displayName?: string
  locale?: string
  avatar?: string
  subscriptions?: string[]
  twoFactor?: boolean
  metricsEnabled?: boolean
}

/** A relying party registered with the fake. A client without a secret is public (PKCE, no client auth). */
export interface FakeClient {
  clientId: string
  clientSecret?: string
  redirectUris: string[]
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

export interface IssueAccessTokenInput {
  uid: string
  clientId: string
  scope: string
  ttlSeconds?: number
}

export interface FakeFxaCalls {
  authorization: number
  token: number
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
  /** Stop listening and destroy open sockets, keeping all state (outage tests). */
  stop(): Promise<void>
  /** Listen again on the same port. */
  start(): Promise<void>
  close(): Promise<void>
}
