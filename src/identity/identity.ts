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
  readonly aal: number
  readonly auth: 'session' | 'bearer'
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
  }
}
