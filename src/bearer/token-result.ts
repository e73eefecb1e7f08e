/** What the provider said about a token, as cached (never with the token itself). */
export type TokenResult =
  | {
      readonly active: true
      readonly sub: string
      readonly clientId: string | null
      readonly scopes: readonly string[]
      /** ms since the epoch; the result is unusable after it, cached or not. */
      readonly expiresAt: number
      readonly profile: TokenProfile | null
    }
  | { readonly active: false; readonly reason: string }

export interface TokenProfile {
  readonly email: string | null
  readonly displayName: string | null
  readonly locale: string | null
  readonly avatar: string | null
  readonly subscriptions: readonly string[]
  readonly twoFactor: boolean
}
