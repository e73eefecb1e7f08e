import { GateError } from '../errors.ts'

/** Consecutive failed checks (outage, timeouts, 5xx) that open the breaker by themselves. */
const FAILURES_TO_OPEN = 5

export interface CircuitBreaker {
  /**
   * Whether a provider call may go out now. Throws PROVIDER_THROTTLED (open) with the seconds left;
   * once the time is up, one call goes out as a probe and the others wait for its outcome.
   */
  admit(): void
  /** The provider answered (whatever it said of the token). */
  succeeded(): void
  /** The provider asked to slow down (429, or 503 with Retry-After): no call until then. */
  throttled(retryAfterSeconds: number): void
  /** The call failed (unreachable, timeout, 5xx, non-JSON). */
  failed(retryAfterSeconds: number): void
}

/**
 * Keeps fxa-gate from calling a provider that asked it to back off: FxA throttles a client that
 * ignores its 429s, and then every uncached bearer token would fail for longer. Cached tokens never
 * reach the breaker.
 */
export function createCircuitBreaker(clock: () => number): CircuitBreaker {
  let openUntil = 0
  let probing = false
  let failures = 0
  const open = (seconds: number) => {
    openUntil = clock() + seconds * 1000
    probing = false
  }
  const refuse = (seconds: number): never => {
    throw new GateError('PROVIDER_THROTTLED', {
      detail: 'circuit breaker open',
      retryAfterSeconds: Math.max(1, Math.ceil(seconds)),
    })
  }
  return {
    admit() {
      if (openUntil === 0) return
      const left = (openUntil - clock()) / 1000
      if (left > 0) refuse(left)
      if (probing) refuse(1)
      probing = true
    },
    succeeded() {
      openUntil = 0
      probing = false
      failures = 0
    },
    throttled(retryAfterSeconds) {
      failures = 0
      open(retryAfterSeconds)
    },
    failed(retryAfterSeconds) {
      failures += 1
      if (probing || failures >= FAILURES_TO_OPEN) open(retryAfterSeconds)
    },
  }
}
