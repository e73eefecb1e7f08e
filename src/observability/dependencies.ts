import type { Dependency } from './metric-definitions.ts'
import type { Metrics } from './metrics.ts'
import type { HistogramCell } from './series.ts'
import type { Tracing } from './tracing.ts'

/** A cheap check that a dependency answers; rejects when it does not. */
export type Probe = () => Promise<void>

export interface DependencyStatus {
  readonly up: boolean
  /** ms since the epoch of the last call or probe that told. */
  readonly since: number
}

export interface Dependencies {
  /**
   * Times one call (its latency histogram, a span when tracing), and marks the dependency up when
   * it answered or down when `isOutage(error)` says it could not be reached.
   */
  call<T>(
    dependency: Dependency,
    operation: string,
    run: () => Promise<T>,
    isOutage: (error: unknown) => boolean,
    answered?: (result: T) => boolean,
  ): Promise<T>
  /** The latency cell of one operation, for call sites that time themselves (the sidecar proxy). */
  latency(dependency: Dependency, operation: string): HistogramCell
  report(dependency: Dependency, up: boolean): void
  /** Configured dependencies and whether they answer. */
  status(): Readonly<Partial<Record<Dependency, DependencyStatus>>>
  /** Probes each configured dependency that told nothing for its interval; returns a stop function. */
  start(): () => void
}

export interface DependencyOptions {
  readonly metrics: Metrics
  readonly tracing: Tracing
  readonly clock: () => number
  /** The dependencies this gate has, with the probe run when calls have said nothing lately. */
  readonly probes: Readonly<Partial<Record<Dependency, { readonly probe: Probe; readonly everyMs: number }>>>
}

/**
 * What fxa-gate knows of Redis, FxA and the sidecar upstream: latency per operation, and whether
 * each answers (`fxa_gate_dependency_up`). Up-ness is learnt from real calls, and from a probe
 * when there were none for a while (a frozen Redis with no traffic still shows as down). It is
 * reported, never part of readiness: a shared dependency down in every replica at once must not
 * take every replica out of service.
 */
export function createDependencies(options: DependencyOptions): Dependencies {
  const { metrics, tracing, clock } = options
  const configured = Object.keys(options.probes) as Dependency[]
  const states = new Map<Dependency, { up: boolean; since: number }>()
  const gauges = new Map(configured.map((name) => [name, metrics.dependencyUp.labels(name)]))
  const cells = new Map<string, HistogramCell>()
  for (const name of configured) {
    // Unknown until the first call or probe; the probe runs at start.
    states.set(name, { up: false, since: 0 })
    gauges.get(name)!.set(0)
  }

  function report(dependency: Dependency, up: boolean): void {
    const state = states.get(dependency)
    if (state === undefined) return
    state.since = clock()
    if (state.up !== up) {
      state.up = up
      gauges.get(dependency)!.set(up ? 1 : 0)
    }
  }

  function latency(dependency: Dependency, operation: string): HistogramCell {
    const key = `${dependency} ${operation}`
    let cell = cells.get(key)
    if (cell === undefined) {
      cell = metrics.dependencyDuration.labels(dependency, operation)
      cells.set(key, cell)
    }
    return cell
  }

  async function call<T>(
    dependency: Dependency,
    operation: string,
    run: () => Promise<T>,
    isOutage: (error: unknown) => boolean,
    answered?: (result: T) => boolean,
  ): Promise<T> {
    const cell = latency(dependency, operation)
    const started = performance.now()
    try {
      const result = tracing.enabled
        ? await tracing.call(`${dependency} ${operation}`, { 'fxa_gate.dependency': dependency }, run)
        : await run()
      report(dependency, answered === undefined || answered(result))
      return result
    } catch (error) {
      report(dependency, !isOutage(error))
      throw error
    } finally {
      cell.observe((performance.now() - started) / 1000)
    }
  }

  return {
    call,
    latency,
    report,
    status() {
      const status: Partial<Record<Dependency, DependencyStatus>> = {}
      for (const [name, state] of states) status[name] = { up: state.up, since: state.since }
      return status
    },
    start() {
      let stopped = false
      const timers = new Map<Dependency, NodeJS.Timeout>()
      for (const name of configured) {
        const { probe, everyMs } = options.probes[name]!
        const tick = async () => {
          if (stopped) return
          const state = states.get(name)!
          // While down, look every second: recovery shows as soon as it happens.
          if (!state.up || clock() - state.since >= everyMs) {
            await probe().then(
              () => report(name, true),
              () => report(name, false),
            )
          }
          if (!stopped) timers.set(name, setTimeout(tick, 1_000).unref())
        }
        void tick()
      }
      return () => {
        stopped = true
        for (const timer of timers.values()) clearTimeout(timer)
      }
    },
  }
}
