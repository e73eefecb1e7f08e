import type { RedisLayer } from '../redis/layer.ts'
import type { Metrics } from './metrics.ts'

/**
 * `fxa_gate_sessions_active`: distinct sessions used in the last 15 one-minute windows. Each replica
 * notes the session keys it reads from the store (at most once per local-cache lifetime per
 * session, so never on the cached hot path) and, every 30 s, adds them to a HyperLogLog per window
 * in Redis (`PFADD`), then counts the union of the last windows (`PFCOUNT`): every replica reports
 * the same estimate for the whole deployment, within about 1%. The in-memory store counts exactly.
 */
export interface ActiveSessions {
  seen(sessionKey: string): void
  /** Starts the periodic flush and count; returns a stop function. */
  start(): () => void
}

export interface ActiveSessionsOptions {
  readonly metrics: Metrics
  readonly clock?: () => number
  /** Shared counting, on the storage layer (its key layout and deadlines); absent = this process only. */
  readonly redis?: Pick<RedisLayer, 'commands' | 'keys' | 'run'> | undefined
  readonly windowMs?: number
  readonly windows?: number
  readonly flushMs?: number
}

/** Bounds what one replica holds between two flushes. */
const MAX_PENDING = 100_000
const PFADD_CHUNK = 1_000

export function createActiveSessions(options: ActiveSessionsOptions): ActiveSessions {
  const clock = options.clock ?? Date.now
  const windowMs = options.windowMs ?? 60_000
  const windows = options.windows ?? 15
  const flushMs = options.flushMs ?? 30_000
  const gauge = options.metrics.sessionsActive
  const redis = options.redis
  const keyOf = (window: number) => redis!.keys.key('activeSessions', String(window))
  const local = new Map<number, Set<string>>()
  let pending = new Set<string>()
  let pendingWindow = Math.floor(clock() / windowMs)

  function windowSet(window: number): Set<string> {
    let set = local.get(window)
    if (set === undefined) {
      set = new Set()
      local.set(window, set)
      for (const old of local.keys()) if (old <= window - windows) local.delete(old)
    }
    return set
  }

  async function flushShared(shared: NonNullable<ActiveSessionsOptions['redis']>): Promise<void> {
    const { commands: client, run } = shared
    const members = [...pending]
    const key = keyOf(pendingWindow)
    pending = new Set()
    pendingWindow = Math.floor(clock() / windowMs)
    for (let i = 0; i < members.length; i += PFADD_CHUNK) {
      const chunk = members.slice(i, i + PFADD_CHUNK)
      await run('active sessions pfadd', () => client.pfadd(key, ...chunk))
    }
    if (members.length > 0)
      await run('active sessions pexpire', () => client.pexpire(key, (windows + 1) * windowMs))
    const current = Math.floor(clock() / windowMs)
    const keys = Array.from({ length: windows }, (_, i) => keyOf(current - i))
    gauge.set(await run('active sessions pfcount', () => client.pfcount(...keys)))
  }

  function countLocal(): void {
    const union = new Set<string>()
    const current = Math.floor(clock() / windowMs)
    for (const [window, set] of local) if (window > current - windows) for (const key of set) union.add(key)
    gauge.set(union.size)
  }

  return {
    seen(sessionKey) {
      if (redis === undefined) {
        const set = windowSet(Math.floor(clock() / windowMs))
        if (set.size < MAX_PENDING) set.add(sessionKey)
        return
      }
      const window = Math.floor(clock() / windowMs)
      // A new window starts a new HyperLogLog: what was noted before goes to the old one first.
      if (window !== pendingWindow && pending.size > 0) void flushShared(redis).catch(() => undefined)
      if (pending.size < MAX_PENDING) pending.add(sessionKey)
    },
    start() {
      const flush = () => {
        if (redis === undefined) countLocal()
        else void flushShared(redis).catch(() => undefined)
      }
      const timer = setInterval(flush, flushMs).unref()
      flush()
      return () => clearInterval(timer)
    },
  }
}
