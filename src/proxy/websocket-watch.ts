import type { IncomingHttpHeaders } from 'node:http'
import type { Socket } from 'node:net'
import type { AuthenticateOptions, Authenticator } from '../decision/credentials.ts'
import { GateError } from '../errors.ts'
import type { Metrics } from '../observability/metrics.ts'

/** How often open websockets have their credentials checked again. */
const RECHECK_INTERVAL_MS = 1000

interface Watched {
  readonly headers: IncomingHttpHeaders
  readonly rawHeaders: readonly string[]
  /** How the upgrade was authenticated (a service's allowed clients), so the check is the same. */
  readonly options: AuthenticateOptions | undefined
}

export interface WebsocketWatch {
  /** Remembers an allowed upgrade's credentials; its socket is ended once they stop being valid. */
  watch(
    socket: Socket,
    headers: IncomingHttpHeaders,
    rawHeaders: readonly string[],
    options?: AuthenticateOptions,
  ): void
  stop(): void
}

/**
 * A websocket outlives the request that was authorized. Every second the credentials of each open
 * one are checked again — a local cache hit, which pub/sub empties the moment a session is ended
 * anywhere — and a connection whose session was logged out, revoked (password change, account
 * deletion, operator) or expired, or whose bearer token expired, is ended. A store outage keeps
 * connections open (they were valid; nothing can be revoked meanwhile) and is retried.
 */
export function createWebsocketWatch(deps: {
  readonly authenticator: Authenticator
  readonly metrics: Metrics
}): WebsocketWatch {
  const open = new Map<Socket, Watched>()
  let checking = false

  async function recheck(): Promise<void> {
    if (checking) return
    checking = true
    try {
      for (const [socket, watched] of open) {
        if (socket.destroyed) {
          open.delete(socket)
          continue
        }
        let valid = true
        try {
          valid =
            (await deps.authenticator.authenticate(
              { headers: watched.headers, rawHeaders: watched.rawHeaders },
              watched.options,
            )) !== null
        } catch (error) {
          valid = !(error instanceof GateError && error.status === 401)
        }
        if (!valid) {
          open.delete(socket)
          deps.metrics.websocketsRevoked.inc()
          socket.destroy()
        }
      }
    } finally {
      checking = false
    }
  }

  const timer = setInterval(() => void recheck(), RECHECK_INTERVAL_MS).unref()
  return {
    watch(socket, headers, rawHeaders, options) {
      open.set(socket, { headers, rawHeaders, options })
      socket.once('close', () => open.delete(socket))
    },
    stop() {
      clearInterval(timer)
      open.clear()
    },
  }
}
