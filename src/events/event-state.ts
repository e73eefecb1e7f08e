/** What `claim` found: the event is now ours to process, was processed already, or is being processed. */
export type EventClaim = 'claimed' | 'done' | 'busy'

/**
 * The little that account events must remember across deliveries and replicas: which events were
 * processed (idempotency on `jti`), and per user the newest change time applied to each
 * capability (subscription events arrive out of order). Never a session, never a profile.
 */
export interface EventStateStore {
  /** Takes the event for processing for at most `leaseMs`, unless it is done or taken. */
  claim(eventId: string, leaseMs: number): Promise<EventClaim>
  /** Marks a claimed event processed; redeliveries within `rememberMs` are `done`. */
  complete(eventId: string, rememberMs: number): Promise<void>
  /** Gives a claim back after a failure, so that FxA's retry processes the event. */
  release(eventId: string): Promise<void>
  /**
   * Records `changeTime` for each of the user's `streams` unless a later time was recorded, and
   * returns the streams it recorded (those the event is not older for). The record lives `ttlMs`.
   */
  advance(uid: string, streams: readonly string[], changeTime: number, ttlMs: number): Promise<string[]>
  /** Forgets everything kept about the user. */
  forgetUser(uid: string): Promise<void>
}

export interface MemoryEventStateOptions {
  readonly clock?: () => number
  /** Events remembered at most; the oldest are forgotten first. Default 100,000. */
  readonly maxEvents?: number
}

/** Event state in this process only (the in-memory session store's companion: one replica). */
export function createMemoryEventState(options: MemoryEventStateOptions = {}): EventStateStore {
  const clock = options.clock ?? Date.now
  const maxEvents = options.maxEvents ?? 100_000
  const events = new Map<string, { state: 'pending' | 'done'; until: number }>()
  const users = new Map<string, { times: Map<string, number>; until: number }>()

  const liveEvent = (id: string) => {
    const entry = events.get(id)
    if (entry && entry.until <= clock()) events.delete(id)
    return entry && entry.until > clock() ? entry : undefined
  }
  const remember = (id: string, state: 'pending' | 'done', ms: number) => {
    events.delete(id)
    while (events.size >= maxEvents) events.delete(events.keys().next().value!)
    events.set(id, { state, until: clock() + ms })
  }

  return {
    async claim(id, leaseMs) {
      const entry = liveEvent(id)
      if (entry) return entry.state === 'done' ? 'done' : 'busy'
      remember(id, 'pending', leaseMs)
      return 'claimed'
    },
    async complete(id, rememberMs) {
      remember(id, 'done', rememberMs)
    },
    async release(id) {
      if (liveEvent(id)?.state === 'pending') events.delete(id)
    },
    async advance(uid, streams, changeTime, ttlMs) {
      const now = clock()
      let user = users.get(uid)
      if (user && user.until <= now) user = undefined
      const times = user?.times ?? new Map<string, number>()
      const fresh = streams.filter((stream) => changeTime >= (times.get(stream) ?? Number.NEGATIVE_INFINITY))
      if (fresh.length === 0) return []
      for (const stream of fresh) times.set(stream, changeTime)
      users.set(uid, { times, until: Math.max(user?.until ?? 0, now + ttlMs) })
      return fresh
    },
    async forgetUser(uid) {
      users.delete(uid)
    },
  }
}
