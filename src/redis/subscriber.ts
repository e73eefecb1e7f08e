import type { Redis } from 'ioredis'

/**
 * Invalidation messages from every replica, and whether they can be trusted to arrive. A local cache
 * may serve only while `live()`; on `reset` it must drop everything (messages may have been missed).
 */
export interface PubSub {
  on(channel: string, handler: (message: string) => void): () => void
  onReset(listener: () => void): () => void
  /**
   * True while subscribed and the connection answered a PING sent within the last `liveForMs`.
   * Every message published before that PING reached Redis was delivered before its answer (one
   * connection, in order), so a cache that serves only while live misses no invalidation older than
   * `liveForMs`, even when the connection dies without a sound.
   */
  live(): boolean
  stop(): void
}

export interface PubSubTiming {
  /** How often the subscriber is pinged. */
  readonly pingEveryMs: number
  /** How recent an answered PING must be for `live()`. */
  readonly liveForMs: number
  /** A PING unanswered this long means the connection is dead: it is dropped and reopened. */
  readonly deadAfterMs: number
}

export const PUBSUB_TIMING: PubSubTiming = { pingEveryMs: 250, liveForMs: 1000, deadAfterMs: 2000 }

/** Keeps `subscriber` subscribed to `channels` and proves it alive with PINGs. */
export function watchSubscriber(
  subscriber: Redis,
  channels: readonly string[],
  timing: PubSubTiming = PUBSUB_TIMING,
  now: () => number = () => performance.now(),
): PubSub {
  const handlers = new Map<string, Set<(message: string) => void>>()
  const resetListeners = new Set<() => void>()
  let stopped = false
  let generation = 0
  let subscribedIn = -1
  let provenAt = Number.NEGATIVE_INFINITY
  let outstanding: { sentAt: number } | undefined

  const emitReset = (): void => {
    for (const listener of resetListeners) {
      try {
        listener()
      } catch {
        // A failing cache must not stop the others from hearing of the reset.
      }
    }
  }
  const subscribed = (): boolean => subscribedIn === generation
  const lose = (): void => {
    const was = subscribed()
    generation += 1
    outstanding = undefined
    provenAt = Number.NEGATIVE_INFINITY
    if (!stopped && was) emitReset()
  }
  const ping = (): void => {
    const sentAt = now()
    const started = generation
    outstanding = { sentAt }
    subscriber.ping().then(
      () => {
        if (started !== generation) return
        outstanding = undefined
        if (subscribedIn === started) provenAt = Math.max(provenAt, sentAt)
      },
      () => {
        if (started === generation) outstanding = undefined
      },
    )
  }
  const resubscribe = (): void => {
    const started = generation
    subscriber.subscribe(...channels).then(
      () => {
        if (stopped || subscribed() || started !== generation || subscriber.status !== 'ready') return
        subscribedIn = started
        emitReset()
        ping()
      },
      () => {
        // Retried on the next `ready`.
      },
    )
  }
  const tick = (): void => {
    if (stopped || subscriber.status !== 'ready') return
    if (outstanding === undefined) {
      if (subscribed()) ping()
      return
    }
    if (now() - outstanding.sentAt > timing.deadAfterMs) {
      // Silently dead (no RST, no FIN): drop it; the reconnect resubscribes and resets.
      lose()
      subscriber.disconnect(true)
    }
  }
  const onMessage = (channel: string, message: string): void => {
    if (stopped) return
    for (const handler of handlers.get(channel) ?? []) {
      try {
        handler(message)
      } catch {
        // One failing handler must not keep the message from the others.
      }
    }
  }
  const onError = (): void => {
    lose()
    if (subscriber.status === 'ready') resubscribe()
  }

  subscriber.on('message', onMessage)
  subscriber.on('close', lose)
  subscriber.on('end', lose)
  subscriber.on('error', onError)
  subscriber.on('ready', resubscribe)
  const timer = setInterval(tick, timing.pingEveryMs)
  timer.unref()
  resubscribe()

  return {
    on(channel, handler) {
      const set = handlers.get(channel) ?? new Set()
      handlers.set(channel, set.add(handler))
      return () => set.delete(handler)
    },
    onReset(listener) {
      resetListeners.add(listener)
      return () => resetListeners.delete(listener)
    },
    live: () => !stopped && subscribed() && now() - provenAt < timing.liveForMs,
    stop() {
      stopped = true
      clearInterval(timer)
      subscriber.off('message', onMessage)
      subscriber.off('ready', resubscribe)
      subscriber.off('close', lose)
      subscriber.off('end', lose)
      subscriber.off('error', onError)
      handlers.clear()
      resetListeners.clear()
    },
  }
}
