import type { Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from '../observability/logger.ts'
import type { LifecycleState } from './state.ts'

export interface ShutdownTarget {
  readonly lifecycle: LifecycleState
  /** The main listener's server (requests and streams to drain). */
  readonly server: Server
  /** Stops accepting and resolves once every connection of the main listener has ended. */
  closeListener(): Promise<void>
  /** Everything else (admin listener, stores, background work, tracing), once draining is over. */
  closeRest(): Promise<void>
}

export interface ShutdownOptions {
  readonly logger: Logger
  /** How long new requests are still served after the signal (FXA_GATE_SHUTDOWN_DELAY). */
  readonly delayMs: number
  /** Then how long in-flight requests and streams may take (FXA_GATE_SHUTDOWN_TIMEOUT). */
  readonly timeoutMs: number
}

/** While draining, connections that finished their last answer are closed this often. */
const IDLE_SWEEP_MS = 250

/**
 * The SIGTERM sequence, for rolling restarts without a failed request:
 * 1. readiness fails at once, so load balancers stop sending new connections here, and every answer
 *    from now on carries `Connection: close`: a keep-alive connection ends after its current exchange
 *    instead of being cut while a client may be sending on it;
 * 2. for `delayMs` everything is still served (endpoint lists take time to update everywhere);
 * 3. the listener stops accepting, idle connections are closed, websockets get a close frame, and
 *    in-flight requests and streams run to their end, for at most `timeoutMs`;
 * 4. whatever is left is cut, the rest is closed, and the process exits 0.
 * A second signal skips what is left of the waits.
 */
export function createShutdown(target: ShutdownTarget, options: ShutdownOptions) {
  const { logger } = options
  const hurry = new AbortController()
  let running: Promise<void> | undefined
  // Open connections (per connection, not per request), to tell the answers in flight when the drain
  // begins to close their connection once sent.
  const sockets = new Set<Socket>()
  target.server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })

  /** Answers not yet started end their connection; later ones get the header from the request hook. */
  function closeAfterAnswers(): void {
    for (const socket of sockets) {
      // Node's current response on the socket (null between two requests).
      const response = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage
      if (response && !response.headersSent) response.setHeader('connection', 'close')
    }
  }

  async function wait(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: hurry.signal }).catch(() => undefined)
  }

  async function run(signal: string): Promise<void> {
    const started = performance.now()
    target.lifecycle.startDraining()
    closeAfterAnswers()
    logger.info({ signal, delayMs: options.delayMs, timeoutMs: options.timeoutMs }, 'shutting down: draining')
    await wait(options.delayMs)

    const server = target.server
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS)
    sweep.unref()
    const drained = target.closeListener().then(() => true)
    const timedOut = wait(options.timeoutMs).then(() => false)
    const clean = await Promise.race([drained, timedOut])
    clearInterval(sweep)
    if (!clean) {
      const open = await new Promise<number>((resolve) =>
        server.getConnections((_error, count) => resolve(count)),
      )
      logger.warn({ connections: open }, 'shutdown timeout: closing the connections still open')
      server.closeAllConnections()
    }
    await target.closeRest()
    logger.info({ ms: Math.round(performance.now() - started), clean }, 'shut down')
  }

  return {
    /** Starts the sequence (once); a further call hurries it. Resolves when it is over. */
    begin(signal: string): Promise<void> {
      if (running !== undefined) {
        logger.info({ signal }, 'shutting down now')
        hurry.abort()
        return running
      }
      running = run(signal)
      return running
    },
  }
}
