import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import type { Sessions } from '../session/sessions.ts'
import type { EventStateStore } from './event-state.ts'
import type { WebhookNotifier } from './webhooks.ts'

export type RevocationReason = 'password_change' | 'delete_user' | 'operator'

/**
 * Told, in the replica that revokes, of every revoked user, and awaited before the revocation
 * counts as done. The bearer-token cache subscribes to drop the user's cached results (its store
 * tells the other replicas); a failing listener fails the revocation, so FxA delivers it again.
 */
export type UserRevokedListener = (uid: string, reason: RevocationReason) => Promise<void> | void

export interface AccountActions {
  /**
   * Ends the user's sessions that began before `before` (ms; all when absent) in every replica,
   * and has every listener drop what it cached about the user. Returns how many sessions ended.
   * The one code path of password-change events, the admin endpoint and `fxa-gate sessions revoke`.
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

export interface AccountActionsDeps {
  readonly sessions: Pick<Sessions, 'endAllOf'>
  readonly eventState: EventStateStore
  readonly webhooks?: WebhookNotifier | undefined
  readonly logger: Logger
  readonly metrics: Metrics
  readonly clock?: () => number
}

export function createAccountActions(deps: AccountActionsDeps): AccountActions {
  const listeners = new Set<UserRevokedListener>()
  const clock = deps.clock ?? Date.now

  async function revoke(
    uid: string,
    options: { reason: RevocationReason; before?: number | undefined; origin?: number | undefined },
  ): Promise<number> {
    const origin = options.origin ?? clock()
    const ended = await deps.sessions.endAllOf(uid, options.before)
    const results = await Promise.allSettled(
      [...listeners].map(async (listener) => listener(uid, options.reason)),
    )
    const failed = results.find((result) => result.status === 'rejected')
    if (failed) throw failed.reason
    deps.metrics.userRevocations.inc({ reason: options.reason })
    // Sessions are gone from the store, and every replica's cache hears of it through pub/sub.
    deps.metrics.revocationPropagation.observe(
      { reason: options.reason },
      Math.max(0, clock() - origin) / 1000,
    )
    deps.logger.info({ uid, reason: options.reason, before: options.before, ended }, 'user sessions revoked')
    return ended
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
