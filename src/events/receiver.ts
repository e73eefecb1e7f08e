import { createHash } from 'node:crypto'
import { GateError } from '../errors.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import type { Revocation } from '../revocation/revocation.ts'
import type { SessionStore } from '../session/types.ts'
import { type AccountEvent, eventLabel, readAccountEvents } from './account-event.ts'
import { applyMetricsConsent } from './apply-metrics.ts'
import { applySubscriptionChange } from './apply-subscriptions.ts'
import type { EventStateStore } from './event-state.ts'
import { type RefreshProfilesDeps, refreshProfiles } from './refresh-profiles.ts'
import { SetRejected, type VerifiedSet } from './verify-set.ts'

export type EventOutcome = 'applied' | 'ignored' | 'stale'

/** What a delivered SET came to; every case is answered 2xx. */
export type Receipt = { readonly kind: 'processed'; readonly events: number } | { readonly kind: 'replayed' }

export interface EventReceiverDeps {
  readonly verify: (authorization: string | readonly string[] | undefined) => Promise<VerifiedSet>
  readonly eventState: EventStateStore
  readonly revocation: Revocation
  readonly store: SessionStore
  readonly profiles: Omit<RefreshProfilesDeps, 'store'>
  readonly metrics: Metrics
  readonly logger: Logger
  /** How long a processed event id is remembered. */
  readonly rememberMs: number
  /** How long per-user change times are kept (the longest a session lives). */
  readonly stateTtlMs: number
}

/** Longest a delivery may hold an event before a redelivery may take it over. */
const LEASE_MS = 60_000

/**
 * An FxA account event delivery, from header to effects: verify (nothing is read from an unverified
 * token), claim the `jti` (a redelivery changes nothing), apply every event, then remember the
 * `jti`. A failure gives the claim back and is answered 5xx, so FxA delivers again; every effect is
 * idempotent, so applying the SET twice is harmless.
 */
export function createEventReceiver(deps: EventReceiverDeps) {
  const { metrics, logger } = deps
  const outcomes = metrics.eventTokens

  async function apply(set: VerifiedSet, event: AccountEvent): Promise<EventOutcome> {
    const { sub: uid, jti } = set
    const issuedAt = set.iat * 1000
    switch (event.kind) {
      case 'password-change':
        if (event.changeTime === undefined)
          logger.warn({ uid }, 'password-change without changeTime: ending every session')
        await deps.revocation.revoke(uid, {
          reason: 'password_change',
          before: event.changeTime,
          origin: event.changeTime ?? issuedAt,
        })
        return 'applied'
      case 'delete-user':
        await deps.revocation.erase(uid, jti, issuedAt)
        return 'applied'
      case 'profile-change':
        await refreshProfiles({ ...deps.profiles, store: deps.store }, uid, event.fields)
        return 'applied'
      case 'subscription-state-change': {
        const result = await applySubscriptionChange(
          { store: deps.store, eventState: deps.eventState, stateTtlMs: deps.stateTtlMs, logger },
          uid,
          event,
        )
        return result === 'applied' ? 'applied' : result === 'stale' ? 'stale' : 'ignored'
      }
      case 'malformed':
        logger.error(
          { uid, event: event.name, problem: event.problem },
          'account event with an unusable payload acknowledged',
        )
        return 'ignored'
      case 'metrics-opt-in':
      case 'metrics-opt-out': {
        const result = await applyMetricsConsent(
          { store: deps.store, eventState: deps.eventState, stateTtlMs: deps.stateTtlMs },
          uid,
          event.kind === 'metrics-opt-in',
          Math.round(set.iat * 1000),
        )
        return result === 'applied' ? 'applied' : result === 'stale' ? 'stale' : 'ignored'
      }
      case 'unknown':
        // Unknown events are FxA's future, not an error.
        return 'ignored'
    }
  }

  return async function receive(authorization: string | readonly string[] | undefined): Promise<Receipt> {
    let set: VerifiedSet
    try {
      set = await deps.verify(authorization)
    } catch (error) {
      if (!(error instanceof SetRejected)) throw error
      outcomes.inc({ outcome: `rejected_${error.reason}` })
      // The reason and jose's message only: never the token, nor claims it asserted without proof.
      logger.warn({ reason: error.reason, detail: error.message.slice(0, 200) }, 'account event refused')
      throw new GateError('EVENT_REJECTED', {
        detail: error.reason,
        wwwAuthenticate: 'Bearer error="invalid_token"',
      })
    }

    const eventId = createHash('sha256').update(set.jti).digest('base64url')
    const claim = await deps.eventState.claim(eventId, LEASE_MS)
    if (claim === 'done') {
      outcomes.inc({ outcome: 'replayed' })
      logger.info({ uid: set.sub, jti: set.jti }, 'account event already processed')
      return { kind: 'replayed' }
    }
    if (claim === 'busy') {
      outcomes.inc({ outcome: 'in_progress' })
      throw new GateError('EVENT_IN_PROGRESS', { retryAfterSeconds: 5 })
    }

    const events = readAccountEvents(set.events)
    try {
      for (const event of events) {
        const outcome = await apply(set, event)
        metrics.accountEvents.inc({ event: eventLabel(event), outcome })
      }
      await deps.eventState.complete(eventId, deps.rememberMs)
    } catch (error) {
      outcomes.inc({ outcome: 'failed' })
      await deps.eventState.release(eventId).catch(() => undefined)
      throw error
    }
    outcomes.inc({ outcome: 'processed' })
    logger.info({ uid: set.sub, jti: set.jti, events: events.map(eventLabel) }, 'account event processed')
    return { kind: 'processed', events: events.length }
  }
}

export type EventReceiver = ReturnType<typeof createEventReceiver>
