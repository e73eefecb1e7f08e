import type { TokenStore } from '../bearer/token-store.ts'
import { GateError } from '../errors.ts'
import type { EventStateStore } from '../events/event-state.ts'
import type { SessionStore } from '../session/types.ts'
import type { ActiveSessions } from './active-sessions.ts'
import type { Dependencies } from './dependencies.ts'

/** A store error that means Redis could not be reached or answer (not a bad argument or script). */
function isOutage(error: unknown): boolean {
  return !(error instanceof GateError) || error.code === 'STORE_UNAVAILABLE'
}

type AsyncMethods<T> = {
  [K in keyof T]: T[K] extends (...args: never[]) => Promise<unknown> ? K : never
}[keyof T]

/**
 * The same store, each listed operation timed as `fxa_gate_dependency_request_duration_seconds
 * {dependency="redis",operation=<method>}` (and a span when tracing), telling
 * `fxa_gate_dependency_up{dependency="redis"}` how Redis answers. Applied at one place (buildGate) to
 * the shared stores, whatever file their Redis code lives in.
 */
function timed<T extends object>(
  store: T,
  methods: readonly AsyncMethods<T>[],
  dependencies: Dependencies,
): T {
  const wrapped: Record<string, unknown> = {}
  for (const name of methods) {
    const method = (store[name] as (...args: unknown[]) => Promise<unknown>).bind(store)
    const operation = String(name)
    wrapped[operation] = (...args: unknown[]) =>
      dependencies.call('redis', operation, () => method(...args), isOutage)
  }
  return { ...store, ...wrapped }
}

/** The session store, counting the sessions it reads; timed as Redis when it is the shared one. */
export function instrumentSessionStore(
  store: SessionStore,
  dependencies: Dependencies | undefined,
  active: ActiveSessions,
): SessionStore {
  const instrumented =
    dependencies === undefined
      ? store
      : timed(
          store,
          ['create', 'get', 'peek', 'inspect', 'update', 'delete', 'listByUser', 'deleteByUser', 'ping'],
          dependencies,
        )
  const get = instrumented.get
  return {
    ...instrumented,
    shared: store.shared,
    // Session reads reach the store at most once per local-cache lifetime: where sessions are counted.
    async get(key, idleMs) {
      const record = await get(key, idleMs)
      if (record !== null) active.seen(key)
      return record
    },
    onInvalidate: (listener) => store.onInvalidate(listener),
    invalidationsLive: () => store.invalidationsLive(),
    close: () => store.close(),
  }
}

export function instrumentTokenStore(store: TokenStore, dependencies: Dependencies): TokenStore {
  return {
    ...timed(store, ['get', 'set', 'dropUser'], dependencies),
    onDropUser: (listener) => store.onDropUser(listener),
  }
}

export function instrumentEventState(store: EventStateStore, dependencies: Dependencies): EventStateStore {
  return timed(store, ['claim', 'complete', 'release', 'advance', 'forgetUser'], dependencies)
}
