import { z } from 'zod'
import { cappedList, cappedText } from '../identity/caps.ts'

/** What the provider said about a token, as cached (never with the token itself). */
export type TokenResult =
  | {
      readonly active: true
      readonly sub: string
      readonly clientId: string | null
      readonly scopes: readonly string[]
      /** ms since the epoch; the result is unusable after it, cached or not. */
      readonly expiresAt: number
      /** When the token was issued (ms; FxA's introspection `iat`), if the provider said. */
      readonly issuedAt?: number | undefined
      /** FxA's `generation` (last password change before the token, ms), when /v1/verify gives it. */
      readonly generation?: number | undefined
      /** What the provider asserts about how the token was obtained; 0 when it asserts nothing. */
      readonly aal?: number | undefined
      readonly profile: TokenProfile | null
    }
  | { readonly active: false; readonly reason: string }

export interface TokenProfile {
  readonly email: string | null
  readonly displayName: string | null
  readonly locale: string | null
  readonly avatar: string | null
  readonly subscriptions: readonly string[]
  /** FxA's `metricsEnabled`; undefined when the profile did not say. */
  readonly metricsEnabled?: boolean | undefined
}

const tokenProfileSchema = z
  .object({
    email: cappedText('email').nullable(),
    displayName: cappedText('displayName').nullable(),
    locale: cappedText('locale').nullable(),
    avatar: cappedText('avatar').nullable(),
    subscriptions: cappedList('subscriptions'),
    twoFactor: z.boolean(),
  })
  .strict()

/** A cached result as it must read back; anything else is invalid (and re-checked with FxA). */
export const tokenResultSchema = z.discriminatedUnion('active', [
  z
    .object({
      active: z.literal(true),
      sub: cappedText('uid').min(1),
      clientId: z.string().max(256).nullable(),
      scopes: cappedList('scopes'),
      expiresAt: z.number().int(),
      profile: tokenProfileSchema.nullable(),
    })
    .strict(),
  z.object({ active: z.literal(false), reason: z.string().max(256) }).strict(),
])

// What the schema accepts is a TokenResult: this fails to compile when they drift apart.
const _accepts: z.infer<typeof tokenResultSchema> extends TokenResult ? true : never = true
void _accepts
