import { GateError } from '../errors.ts'
import { identityOverCap } from '../identity/caps.ts'
import {
  type ClaimMapping,
  refreshedFields,
  type ProfileFields as SessionProfile,
  sameProfileFields,
} from '../identity/profile.ts'
import type { ProfileFetcher } from '../identity/profile-api.ts'
import { errorFields } from '../observability/error-fields.ts'
import type { Logger } from '../observability/logger.ts'
import type { Revalidation } from '../session/revalidation.ts'
import type { Sessions } from '../session/sessions.ts'
import type { SessionKey, SessionRecord, SessionStore } from '../session/types.ts'
import type { ProfileFields } from './account-event.ts'

export interface RefreshProfilesDeps {
  readonly store: SessionStore
  readonly sessions: Pick<Sessions, 'openTokens' | 'end'>
  readonly fetchProfile: ProfileFetcher
  readonly clock: () => number
  readonly logger: Logger
  /** Refreshes a session whose access token has expired (the refresh re-reads the profile). */
  readonly revalidation?: Pick<Revalidation, 'refreshNow'> | undefined
  readonly mapping?: ClaimMapping | undefined
}

/**
 * profile-change: every live session of the user gets the profile as FxA serves it now, fetched
 * with that session's own access token (its scopes decide what it may see, as at login); a session
 * whose access token has expired is refreshed first, which re-reads the profile. When no token can
 * read it, the event's own fields (if any) are applied instead. Updating a record tells every
 * replica's cache, so the next request carries the new values.
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
  let identity: Partial<SessionProfile> | undefined
  try {
    const tokens = await deps.sessions.openTokens(record)
    const expired = tokens?.accessTokenExpiresAt !== undefined && tokens.accessTokenExpiresAt <= deps.clock()
    if (expired && deps.revalidation !== undefined) {
      const refreshed = await deps.revalidation.refreshNow(key)
      // Refreshed with the profile re-read, or ended (the grant is gone): nothing more to do here.
      if (refreshed !== undefined) return refreshed !== null
    }
    identity = await fetched(deps, record)
  } catch (error) {
    const code = error instanceof GateError ? error.code : 'INTERNAL'
    deps.logger.warn({ uid, ...errorFields(error), code }, 'profile refetch failed')
    if (code === 'PROVIDER_UNAVAILABLE' && Object.keys(fields).length === 0) throw error
  }
  const next = { ...record, ...(identity ?? fields) }
  if (sameProfileFields(record, next)) return false
  const overCap = identityOverCap(next)
  if (overCap !== undefined) {
    // The identity can no longer be represented: the session ends (a new login is refused).
    deps.logger.warn(
      { uid, code: 'PROFILE_TOO_LARGE', detail: overCap },
      'profile over its caps: session ended',
    )
    // Through the sessions, so that its provider tokens are destroyed now, as for any ended session.
    await deps.sessions.end(key, 'revoked')
    return false
  }
  // Only over the tokens it read: a refresh that stored newer ones meanwhile is never undone.
  return deps.store.update(key, next, { tokens: record.tokens })
}

/** The session's identity as FxA serves it now; undefined when this session's token cannot ask. */
async function fetched(
  deps: RefreshProfilesDeps,
  record: SessionRecord,
): Promise<SessionProfile | undefined> {
  const tokens = await deps.sessions.openTokens(record)
  if (tokens === undefined) return undefined
  if (tokens.accessTokenExpiresAt !== undefined && tokens.accessTokenExpiresAt <= deps.clock())
    return undefined
  const answer = await deps.fetchProfile(tokens.accessToken, record.uid)
  if (answer.kind === 'refused') return undefined
  return refreshedFields(record, record.uid, answer.profile, deps.mapping)
}
