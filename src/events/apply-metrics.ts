import type { SessionStore } from '../session/types.ts'
import type { EventStateStore } from './event-state.ts'

export interface ApplyMetricsDeps {
  readonly store: SessionStore
  readonly eventState: EventStateStore
  /** How long the user's last consent change time is kept (the longest a session lives). */
  readonly stateTtlMs: number
}

export type MetricsOutcome = 'applied' | 'stale' | 'no_sessions'

/**
 * metrics-opt-in / metrics-opt-out: every live session of the user gets the new consent, which the
 * next request in any replica carries (`X-User-Metrics-Enabled`, the assertion). The SET's `iat`
 * orders the changes: one older than the last applied is dropped, whatever the delivery order.
 */
export async function applyMetricsConsent(
  deps: ApplyMetricsDeps,
  uid: string,
  enabled: boolean,
  issuedAt: number,
): Promise<MetricsOutcome> {
  const keys = await deps.store.listByUser(uid)
  if (keys.length === 0) return 'no_sessions'
  const fresh = await deps.eventState.advance(uid, ['metrics'], issuedAt, deps.stateTtlMs)
  if (fresh.length === 0) return 'stale'
  await Promise.all(
    keys.map(async (key) => {
      // Twice at most: a refresh that stored new tokens in between makes the first write miss.
      for (let attempt = 0; attempt < 2; attempt++) {
        const record = await deps.store.peek(key)
        if (record === null || record.uid !== uid || record.metricsEnabled === enabled) return
        if (await deps.store.update(key, { ...record, metricsEnabled: enabled }, { tokens: record.tokens }))
          return
      }
    }),
  )
  return 'applied'
}
