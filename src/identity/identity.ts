import type { SessionRecord } from '../session/types.ts'

/** Who a request is from, whatever the credential: what decisions read and headers carry. */
export interface Identity {
  readonly uid: string
  readonly email: string | null
  readonly displayName: string | null
  readonly locale: string | null
  readonly avatar: string | null
  readonly subscriptions: readonly string[]
  readonly scopes: readonly string[]
  /**
   * Authentication assurance level as the provider asserted it: 1 password, 2 two-step; 0 when
   * unknown (FxA asserts nothing about how a bearer token was obtained).
   */
  readonly aal: number
  readonly auth: 'session' | 'bearer'
  /** Groups from the provider's groups claim (generic OIDC); absent for FxA. */
  readonly groups?: readonly string[] | undefined
  /** FxA's `metricsEnabled`; absent when unknown. false: no metrics may be tied to this user. */
  readonly metricsEnabled?: boolean | undefined
  /** The OAuth client a bearer token was issued to (null when the provider did not say). */
  readonly clientId?: string | null | undefined
}

export function identityFromSession(record: SessionRecord): Identity {
  return {
    uid: record.uid,
    email: record.email,
    displayName: record.displayName,
    locale: record.locale,
    avatar: record.avatar,
    subscriptions: record.subscriptions,
    scopes: record.scopes,
    aal: record.aal,
    auth: 'session',
    ...(record.groups === undefined ? {} : { groups: record.groups }),
    ...(record.metricsEnabled === undefined ? {} : { metricsEnabled: record.metricsEnabled }),
  }
}
