import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { Pool } from 'undici'
import { type RelayContext, ResponseRelay } from './relay.ts'
import { type OpenTunnel, openTunnel } from './tunnel.ts'
import type { ForwarderOptions, ForwardTarget } from './types.ts'

export interface Forwarder {
  /**
   * Sends an allowed request upstream and relays the answer to `res`. Returns at once (no promise):
   * the exchange runs on callbacks, with backpressure both ways.
   */
  forward(req: IncomingMessage, res: ServerResponse, target: ForwardTarget): void
  /** Opens a websocket (any `Upgrade`) to the upstream and joins the two sockets once it agrees. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: ForwardTarget): void
  /**
   * Sends every open websocket a close frame (1001, going away) and destroys what is still open
   * after `graceMs`: a server that is shutting down, not one that cut its clients off.
   */
  closeTunnels(graceMs: number): void
  /** Ends the pools' connections (open tunnels end with their sockets). */
  close(): Promise<void>
}

/** Whether the client's request has a body, by its framing (Node has already refused both at once). */
function hasBody(req: IncomingMessage): boolean {
  const headers = req.headers
  if (headers['transfer-encoding'] !== undefined) return true
  const length = headers['content-length']
  return length !== undefined && length !== '0'
}

/**
 * The sidecar's forwarding engine, on undici's `dispatch` and node:http alone (no framework in the
 * request's way). Two keep-alive pools to the one upstream: bodiless requests never wait behind
 * uploads, and an upload that stalls for `requestBodyTimeoutMs` is dropped on both sides.
 */
export function createForwarder(options: ForwarderOptions): Forwarder {
  const poolOptions = {
    pipelining: 1,
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
    connect: { timeout: options.connectTimeoutMs },
  }
  const reads = new Pool(options.upstream, { ...poolOptions, connections: options.connections })
  const uploads = new Pool(options.upstream, { ...poolOptions, connections: options.uploadConnections })
  const relayContext: RelayContext = {
    policy: {
      ownCookies: new Set(options.ownCookies),
      ownHeaders: options.ownResponseHeaders && new Set(options.ownResponseHeaders),
    },
    events: options.events,
    renderError: options.renderError,
    requestBodyTimeoutMs: options.requestBodyTimeoutMs,
  }
  const origin = new URL(options.upstream)
  const tunnels = new Set<OpenTunnel>()
  const track = (tunnel: OpenTunnel) => {
    tunnels.add(tunnel)
    return () => void tunnels.delete(tunnel)
  }

  return {
    forward(req, res, target) {
      const body = hasBody(req)
      const relay = new ResponseRelay(req, res, relayContext, body, target)
      ;(body ? uploads : reads).dispatch(
        {
          path: target.path,
          method: target.method,
          headers: target.headers as string[],
          body: body ? (target.body ?? req) : null,
        },
        relay,
      )
    },
    upgrade(req, socket, head, target) {
      openTunnel(
        req,
        socket,
        head,
        target,
        {
          origin,
          connectTimeoutMs: options.connectTimeoutMs,
          headersTimeoutMs: options.headersTimeoutMs,
          relay: relayContext,
        },
        track,
      )
    },
    closeTunnels(graceMs) {
      for (const tunnel of tunnels) tunnel.goAway(graceMs)
    },
    async close() {
      await Promise.all([reads.close(), uploads.close()])
    },
  }
}
