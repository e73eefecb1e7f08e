import type { TokenStore } from '../bearer/token-store.ts'
import type { EventStateStore } from '../events/event-state.ts'
import type { WebhookNotifier } from '../events/webhooks.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import type { SessionKey, SessionStore } from '../session/types.ts'

export type RevocationReason = 'password_change' | 'delete_user' | 'operator'

/**
 * Told, in the replica that revokes, of every revoked user, and awaited before the revocation
 * counts as done; a failing listener fails the revocation, so FxA delivers it again. A per-user
 * cache added later subscribes here and tells the other replicas itself.
 */
export type UserRevokedListener = (
  uid: string,
  reason: RevocationReason,
  /** Credentials of the user issued before this (ms) are void; absent: all of them. */
  before: number | undefined,
  /** The sessions this revocation ended (their provider tokens are to be destroyed). */
  ended: readonly SessionKey[],
) => Promise<void> | void

/**
 * Ending a user's access everywhere: the one code path of password-change and delete-user events,
 * the admin endpoint and `fxa-gate sessions revoke`. It needs the stores only (no gate), and it is
 * done only when the stores' replicas confirmed it (otherwise GateError REPLICATION_UNCONFIRMED or
 * STORE_UNAVAILABLE, 503 with Retry-After: the caller retries, and a retry is always safe).
 */
export interface Revocation {
  /**
   * Ends the user's sessions that began before `before` (ms; all when absent) in every replica and
   * drops their cached bearer-token results. Returns how many sessions ended.
   */
  revoke(
    uid: string,
    options: {
      readonly reason: RevocationReason
      readonly before?: number | undefined
      /** When the revocation was asked for (ms; FxA's change or event time): its propagation time runs from here. */
      readonly origin?: number | undefined
    },
  ): Promise<number>
  /** delete-user: revokes everything, forgets the user's event state, and tells the webhooks. */
  erase(uid: string, eventId: string, origin?: number): Promise<number>
  onUserRevoked(listener: UserRevokedListener): () => void
}

export interface RevocationDeps {
  readonly sessions: SessionStore
  readonly tokens: TokenStore
  readonly eventState: EventStateStore
  readonly webhooks?: WebhookNotifier | undefined
  /**
   * Per-user credential high-water marks: a password change (or a deletion) voids every credential
   * issued before it, bearer tokens FxA still calls active included.
   */
  readonly marks?: { raise(uid: string, at: number): Promise<void> } | undefined
  readonly logger: Logger
  readonly metrics: Metrics
  readonly clock?: () => number
}

export function createRevocation(deps: RevocationDeps): Revocation {
  const listeners = new Set<UserRevokedListener>()
  const clock = deps.clock ?? Date.now

  async function revoke(
    uid: string,
    options: { reason: RevocationReason; before?: number | undefined; origin?: number | undefined },
  ): Promise<number> {
    const origin = options.origin ?? clock()
    // Sessions first: once they are gone, no new token result can be cached through them.
    const ended = await deps.sessions.deleteByUser(uid, options.before)
    deps.metrics.sessionsEnded.inc({ reason: 'revoked' }, ended.length)
    // The mark before the cached results go: a replica that checks a token again must see it.
    if (options.reason === 'password_change' || options.reason === 'delete_user')
      await deps.marks?.raise(uid, Math.min(options.before ?? clock(), clock()))
    await deps.tokens.dropUser(uid)
    const results = await Promise.allSettled(
      [...listeners].map(async (listener) => listener(uid, options.reason, options.before, ended)),
    )
    const failed = results.find((result) => result.status === 'rejected')
    if (failed) throw failed.reason
    deps.metrics.userRevocations.inc({ reason: options.reason })
    // Sessions are gone from the store (confirmed by its replicas), and every replica's cache hears
    // of it through pub/sub.
    deps.metrics.revocationPropagation.observe(
      { reason: options.reason },
      Math.max(0, clock() - origin) / 1000,
    )
    deps.logger.info(
      { uid, reason: options.reason, before: options.before, ended: ended.length },
      'user sessions revoked',
    )
    return ended.length
  }

  return {
    revoke,
    async erase(uid, eventId, origin) {
      const ended = await revoke(uid, { reason: 'delete_user', origin })
      await deps.eventState.forgetUser(uid)
      deps.webhooks?.notify({ type: 'delete-user', uid, id: eventId })
      return ended
    },
    onUserRevoked(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
  }
}
