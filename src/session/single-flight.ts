/**
 * At most one load per key at a time: callers that ask while a load is under way share its result
 * (or its failure) instead of starting their own.
 */
export interface SingleFlight<K, V> {
  /** The load under way for `key`, or a new one from `load`. */
  run(key: K, load: () => Promise<V>): Promise<V>
  /**
   * Lets later callers start a fresh load for `key` (those already waiting keep theirs). Call it on
   * every invalidation of `key`: a read begun before a logout must not be handed to a request that
   * arrived after it.
   */
  forget(key: K): void
  /** `forget` for every key (a store-wide reset). */
  forgetAll(): void
  /** Loads under way (for tests and metrics). */
  readonly size: number
}

/**
 * Single-flight store reads for the session cache: when a cached session expires, the requests
 * in flight for it read the store once, not once each (issue #17).
 */
export function createSingleFlight<K, V>(): SingleFlight<K, V> {
  const flights = new Map<K, Promise<V>>()
  return {
    run(key, load) {
      const current = flights.get(key)
      if (current !== undefined) return current
      const flight = Promise.resolve()
        .then(load)
        .finally(() => {
          // Only this flight's own entry: after a forget, a newer flight may hold the key.
          if (flights.get(key) === flight) flights.delete(key)
        })
      flights.set(key, flight)
      return flight
    },
    forget: (key) => void flights.delete(key),
    forgetAll: () => flights.clear(),
    get size() {
      return flights.size
    },
  }
}
