/**
 * Where this replica is in its life: readiness reads it, the shutdown sequence moves it. One
 * instance per gate (no module state), changed only forward: starting → started → draining.
 */
export interface LifecycleState {
  readonly started: boolean
  readonly draining: boolean
  markStarted(): void
  /** From now on /readyz answers 503; requests are still served until the listener closes. */
  startDraining(): void
}

export function createLifecycleState(): LifecycleState {
  let started = false
  let draining = false
  return {
    get started() {
      return started
    },
    get draining() {
      return draining
    },
    markStarted() {
      started = true
    },
    startDraining() {
      draining = true
    },
  }
}
