import { identityOverCap } from '../identity/caps.ts'
import type { Logger } from '../observability/logger.ts'
import type { SessionStore } from '../session/types.ts'
import type { EventStateStore } from './event-state.ts'

export interface SubscriptionChange {
  readonly capabilities: readonly string[]
  readonly isActive: boolean
  /** ms since the epoch. */
  readonly changeTime: number
}

export interface ApplySubscriptionsDeps {
  readonly store: SessionStore
  readonly eventState: EventStateStore
  /** How long the per-user change times are kept: as long as a session that they protect may live. */
  readonly stateTtlMs: number
  readonly logger?: Logger | undefined
}

/**
 * A session's profile was read at login. A change older than that is already in it, give or take
 * FxA's own clock and profile cache: changes up to this long before a login are applied anyway.
 */
const LOGIN_SKEW_MS = 60_000

export type SubscriptionOutcome = 'applied' | 'stale' | 'no_sessions'

/**
 * subscription-state-change: `capabilities` became active (or inactive) at `changeTime`. Each
 * capability keeps the time of its last applied change per user (shared by every replica), so a
 * change older than one already applied is dropped, whatever order FxA delivers them in. A session
 * whose login came after the change already has it. Nothing is recorded for a user without
 * sessions: a later login reads the current profile.
 */
export async function applySubscriptionChange(
  deps: ApplySubscriptionsDeps,
  uid: string,
  change: SubscriptionChange,
): Promise<SubscriptionOutcome> {
  const keys = await deps.store.listByUser(uid)
  if (keys.length === 0) return 'no_sessions'
  const streams = change.capabilities.map((capability) => `cap:${capability}`)
  const fresh = await deps.eventState.advance(uid, streams, change.changeTime, deps.stateTtlMs)
  if (fresh.length === 0) return 'stale'
  const capabilities = new Set(fresh.map((stream) => stream.slice(4)))
  await Promise.all(
    keys.map(async (key) => {
      const record = await deps.store.peek(key)
      if (record === null || record.uid !== uid || change.changeTime < record.loginAt - LOGIN_SKEW_MS) return
      const subscriptions = change.isActive
        ? [...new Set([...record.subscriptions, ...capabilities])]
        : record.subscriptions.filter((capability) => !capabilities.has(capability))
      if (
        subscriptions.length === record.subscriptions.length &&
        subscriptions.every((c, i) => c === record.subscriptions[i])
      )
        return
      const overCap = identityOverCap({ subscriptions })
      if (overCap !== undefined) {
        // Only additions can overflow: leaving them out grants less, never more.
        deps.logger?.warn(
          { uid, code: 'PROFILE_TOO_LARGE', detail: overCap },
          'capabilities over their cap not added',
        )
        return
      }
      await deps.store.update(key, { ...record, subscriptions }, { tokens: record.tokens })
    }),
  )
  return 'applied'
}
