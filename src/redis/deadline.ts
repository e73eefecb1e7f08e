import { RedisFault, translateRedisError } from './errors.ts'

/** Runs Redis commands under a deadline; every failure comes back as a RedisFault. */
export type RunCommand = <T>(operation: string, command: () => Promise<T>, extraMs?: number) => Promise<T>

/**
 * Per-command deadlines that fail fast. ioredis's own timeouts do not cover everything a command
 * can wait for (a cluster redirect, a slot refresh, a reconnect during a failover), so the caller
 * stops waiting here after `timeoutMs` (plus `extraMs` for a command that waits on purpose, such as
 * WAIT), whatever ioredis is doing. A command that timed out may still run later: writes whose late
 * effect would matter carry their own guard (see the event claim).
 */
export function createCommandRunner(timeoutMs: number): RunCommand {
  return function run<T>(operation: string, command: () => Promise<T>, extraMs = 0): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false
      const timer = setTimeout(() => {
        settled = true
        const error = new Error(`no answer within ${timeoutMs + extraMs} ms`)
        error.name = 'TimeoutError'
        reject(new RedisFault('timeout', operation, error))
      }, timeoutMs + extraMs)
      let pending: Promise<T>
      try {
        pending = command()
      } catch (error) {
        clearTimeout(timer)
        reject(translateRedisError(error, operation))
        return
      }
      pending.then(
        (value) => {
          clearTimeout(timer)
          if (!settled) resolve(value)
        },
        (error: unknown) => {
          clearTimeout(timer)
          if (!settled) reject(translateRedisError(error, operation))
        },
      )
    })
  }
}
