import type { Logger } from './logger.ts'

/**
 * Logs expected failures of a dependency (Redis away, FxA slow) without flooding: at most one line
 * per code per `intervalMs`, each with `count`, the number of failures it stands for (the first
 * line of a burst is written at once, the rest of the burst when its interval ends). No stack
 * traces: these are conditions, not bugs.
 */
export interface LogLimiter {
  failure(code: string, fields: Record<string, unknown>, message: string): void
  /** Writes what is pending and stops the timers. */
  close(): void
}

export function createLogLimiter(
  logger: Logger,
  options: { intervalMs?: number; now?: () => number } = {},
): LogLimiter {
  const intervalMs = options.intervalMs ?? 1000
  const now = options.now ?? (() => performance.now())
  const codes = new Map<
    string,
    {
      lastAt: number
      pending: number
      fields: Record<string, unknown>
      message: string
      timer?: NodeJS.Timeout
    }
  >()

  const write = (code: string): void => {
    const state = codes.get(code)
    if (state === undefined || state.pending === 0) return
    clearTimeout(state.timer)
    state.timer = undefined
    logger.warn({ ...state.fields, code, count: state.pending }, state.message)
    state.lastAt = now()
    state.pending = 0
  }

  return {
    failure(code, fields, message) {
      const state = codes.get(code) ?? { lastAt: Number.NEGATIVE_INFINITY, pending: 0, fields, message }
      codes.set(code, state)
      state.pending += 1
      const wait = state.lastAt + intervalMs - now()
      if (wait <= 0) {
        state.fields = fields
        state.message = message
        write(code)
        return
      }
      if (state.timer === undefined) {
        state.fields = fields
        state.message = message
        state.timer = setTimeout(() => write(code), wait)
        state.timer.unref()
      }
    },
    close() {
      for (const code of codes.keys()) write(code)
      codes.clear()
    },
  }
}
