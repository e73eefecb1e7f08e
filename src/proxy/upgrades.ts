import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { nodeHttp } from '../http/node-http.ts'

/** How long an upgrade request may take to be decided and tunnelled (the tunnel then clears it). */
const UPGRADE_IDLE_TIMEOUT = 15_000

interface PendingUpgrade {
  readonly socket: Duplex
  readonly head: Buffer
}

export interface Upgrades {
  /** The socket and first bytes of an upgrade request routed through fastify. */
  of(req: IncomingMessage): PendingUpgrade | undefined
}

/**
 * Sends websocket upgrades through fastify's routing like any request, so the same hooks (request
 * id, metrics, the decision) run before anything reaches the upstream. The answer of a refused one
 * is written on the upgrade's socket, which is then destroyed: nothing sent after it is read as
 * HTTP. An allowed one is taken over by the route (the tunnel); the response stays assigned to the
 * socket only so that observability sees the exchange end when the socket closes.
 */
export function routeUpgrades(
  app: FastifyInstance,
  first?: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean,
): Upgrades {
  const pending = new WeakMap<IncomingMessage, PendingUpgrade>()
  app.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    // An upgrade socket is detached from Node's HTTP timeouts; bound it until the tunnel takes it.
    socket.setTimeout(UPGRADE_IDLE_TIMEOUT, () => socket.destroy())
    if (first?.(req, socket, head)) return
    pending.set(req, { socket, head })
    const res = new nodeHttp.ServerResponse(req)
    res.assignSocket(socket)
    res.once('finish', () => socket.destroy())
    app.routing(req, res)
  })
  return { of: (req) => pending.get(req) }
}
