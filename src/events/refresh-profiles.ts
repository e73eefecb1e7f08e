import { GateError } from '../errors.ts'
import { identityOverCap } from '../identity/caps.ts'
import { sessionFieldsFrom } from '../identity/profile.ts'
import type { ProfileFetcher } from '../identity/profile-api.ts'
import { errorFields } from '../observability/error-fields.ts'
import type { Logger } from '../observability/logger.ts'
import type { Sessions } from '../session/sessions.ts'
import type { SessionKey, SessionRecord, SessionStore } from '../session/types.ts'
import type { ProfileFields } from './account-event.ts'

export interface RefreshProfilesDeps {
  readonly store: SessionStore
  readonly sessions: Pick<Sessions, 'openTokens'>
  readonly fetchProfile: ProfileFetcher
  readonly clock: () => number
  readonly logger: Logger
}

type Identity = Pick<SessionRecord, 'email' | 'displayName' | 'locale' | 'avatar' | 'subscriptions'>

/**
 * profile-change: every live session of the user gets the profile as FxA serves it now, fetched
 * with that session's own access token (its scopes decide what it may see, as at login). When the
 * token can no longer read it, the event's own fields (if any) are applied instead. Updating a
 * record tells every replica's cache, so the next request carries the new values.
 *
 * Throws PROVIDER_UNAVAILABLE when FxA could not be asked and the event carried nothing to apply:
 * FxA then delivers the event again.
 */
export async function refreshProfiles(
  deps: RefreshProfilesDeps,
  uid: string,
  fields: ProfileFields,
): Promise<number> {
  const keys = await deps.store.listByUser(uid)
  const outcomes = await Promise.allSettled(keys.map((key) => refreshOne(deps, key, uid, fields)))
  const failure = outcomes.find((outcome) => outcome.status === 'rejected')
  if (failure) throw failure.reason
  return outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value).length
}

async function refreshOne(
  deps: RefreshProfilesDeps,
  key: SessionKey,
  uid: string,
  fields: ProfileFields,
): Promise<boolean> {
  const record = await deps.store.peek(key)
  if (record === null || record.uid !== uid) return false
  let identity: Partial<Identity> | undefined
  try {
    identity = await fetched(deps, record)
  } catch (error) {
    const code = error instanceof GateError ? error.code : 'INTERNAL'
    deps.logger.warn({ uid, ...errorFields(error), code }, 'profile refetch failed')
    if (code === 'PROVIDER_UNAVAILABLE' && Object.keys(fields).length === 0) throw error
  }
  const next = { ...record, ...(identity ?? fields) }
  if (sameIdentity(record, next)) return false
  const overCap = identityOverCap(next)
  if (overCap !== undefined) {
    // The identity can no longer be represented: the session ends (a new login is refused).
    deps.logger.warn(
      { uid, code: 'PROFILE_TOO_LARGE', detail: overCap },
      'profile over its caps: session ended',
    )
    await deps.store.delete(key)
    return false
  }
  return deps.store.update(key, next)
}

/** The session's identity as FxA serves it now; undefined when this session's token cannot ask. */
async function fetched(deps: RefreshProfilesDeps, record: SessionRecord): Promise<Identity | undefined> {
  const tokens = await deps.sessions.openTokens(record)
  if (tokens === undefined) return undefined
  if (tokens.accessTokenExpiresAt !== undefined && tokens.accessTokenExpiresAt <= deps.clock())
    return undefined
  const answer = await deps.fetchProfile(tokens.accessToken, record.uid)
  if (answer.kind === 'refused') return undefined
  const { email, displayName, locale, avatar, subscriptions } = sessionFieldsFrom(
    { sub: record.uid },
    answer.profile,
    undefined,
  )
  return { email, displayName, locale, avatar, subscriptions }
}

function sameIdentity(a: SessionRecord, b: SessionRecord): boolean {
  return (
    a.email === b.email &&
    a.displayName === b.displayName &&
    a.locale === b.locale &&
    a.avatar === b.avatar &&
    a.subscriptions.length === b.subscriptions.length &&
    a.subscriptions.every((value, i) => value === b.subscriptions[i])
  )
}
