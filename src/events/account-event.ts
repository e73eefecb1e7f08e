/** Where FxA's event names live: `https://schemas.accounts.firefox.com/event/<name>`. */
export const EVENT_URI_BASE = 'https://schemas.accounts.firefox.com/event/'

/** Identity fields a profile-change may carry (newer FxA releases send some; older ones send `{}`). */
export interface ProfileFields {
  readonly email?: string
  readonly displayName?: string
  readonly locale?: string
  readonly avatar?: string
}

/** One event of a Security Event Token, read into what fxa-gate acts on. */
export type AccountEvent =
  /** `changeTime` undefined: the payload had none, so every session ends (fail safe). */
  | { readonly kind: 'password-change'; readonly changeTime: number | undefined }
  | { readonly kind: 'delete-user' }
  | { readonly kind: 'profile-change'; readonly fields: ProfileFields }
  | {
      readonly kind: 'subscription-state-change'
      readonly capabilities: readonly string[]
      readonly isActive: boolean
      readonly changeTime: number
    }
  | { readonly kind: 'metrics-opt-in' | 'metrics-opt-out' }
  /** A known event whose payload cannot be used; acknowledged (FxA would resend it unchanged). */
  | { readonly kind: 'malformed'; readonly name: string; readonly problem: string }
  | { readonly kind: 'unknown' }

export type EventName = Exclude<AccountEvent['kind'], 'malformed' | 'unknown'>

/** Before 1973 in ms, after the year 5000 in s: an unambiguous line between the two units. */
const SECONDS_ABOVE = 1e11

/**
 * A change time in ms. FxA documents ms but its own README once said seconds for subscriptions,
 * and a relying party that compared seconds with ms never ended a session: seconds are converted.
 */
export function changeTimeMs(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return undefined
  return Math.round(value < SECONDS_ABOVE ? value * 1000 : value)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function profileFields(payload: Record<string, unknown>): ProfileFields {
  const fields: Record<string, string> = {}
  for (const name of ['email', 'displayName', 'locale', 'avatar'] as const) {
    const value = payload[name]
    if (typeof value === 'string' && value.length > 0 && value.length <= 1024) fields[name] = value
  }
  return fields
}

function readEvent(name: string, payload: Record<string, unknown>): AccountEvent {
  switch (name) {
    case 'password-change':
      return { kind: 'password-change', changeTime: changeTimeMs(payload['changeTime']) }
    case 'delete-user':
      return { kind: 'delete-user' }
    case 'profile-change':
      return { kind: 'profile-change', fields: profileFields(payload) }
    case 'subscription-state-change': {
      const capabilities = payload['capabilities']
      const changeTime = changeTimeMs(payload['changeTime'])
      if (
        !Array.isArray(capabilities) ||
        !capabilities.every((c) => typeof c === 'string' && c.length > 0 && c.length <= 256)
      ) {
        return { kind: 'malformed', name, problem: 'capabilities is not a list of names' }
      }
      if (typeof payload['isActive'] !== 'boolean')
        return { kind: 'malformed', name, problem: 'isActive is not a boolean' }
      if (changeTime === undefined) return { kind: 'malformed', name, problem: 'changeTime is not a time' }
      return {
        kind: name,
        capabilities: [...new Set(capabilities as string[])],
        isActive: payload['isActive'],
        changeTime,
      }
    }
    case 'metrics-opt-in':
    case 'metrics-opt-out':
      return { kind: name }
    default:
      return { kind: 'unknown' }
  }
}

/**
 * The events of a SET's `events` claim, in the order to apply them: `delete-user` last, so nothing
 * another event writes survives the erasure.
 */
export function readAccountEvents(events: Record<string, unknown>): AccountEvent[] {
  const read = Object.entries(events).map(([uri, payload]): AccountEvent => {
    if (!uri.startsWith(EVENT_URI_BASE)) return { kind: 'unknown' }
    const name = uri.slice(EVENT_URI_BASE.length)
    return readEvent(name, isObject(payload) ? payload : {})
  })
  return [...read.filter((e) => e.kind !== 'delete-user'), ...read.filter((e) => e.kind === 'delete-user')]
}

/** The metric label of an event: its name, or `unknown`. */
export function eventLabel(event: AccountEvent): string {
  return event.kind === 'malformed' ? event.name : event.kind
}
