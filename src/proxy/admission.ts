import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { onRequestHookHandler } from 'fastify'
import type { Config } from '../config/derive.ts'
import { GateError } from '../errors.ts'
import { clientAddress } from '../http/client-address.ts'
import { isUpgrade } from '../http/upgrade.ts'

export interface Admission {
  /** onRequest, before the decision: the sidecar's and the connection's in-flight limits. */
  readonly enter: onRequestHookHandler
  /**
   * The same for the fast path, which has no hooks: true when the request was admitted (and counted
   * until its response closes); false, having counted nothing, when fastify must refuse it.
   */
  enterNow(req: IncomingMessage, res: ServerResponse): boolean
  /** onRequest, once the request is allowed: the limits on requests still sending a body. */
  readonly upload: onRequestHookHandler
}

type Limits = Pick<Config, 'maxInFlight' | 'maxInFlightPerConnection' | 'maxUploads' | 'maxUploadsPerClient'>

function hasBody(request: { headers: Record<string, string | string[] | undefined> }): boolean {
  const length = request.headers['content-length']
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

/** Calls `release` once, when the first of the events happens. */
function once(release: () => void, ...sources: [NodeJS.EventEmitter, string][]): void {
  let done = false
  const run = () => {
    if (done) return
    done = true
    for (const [source, event] of sources) source.off(event, run)
    release()
  }
  for (const [source, event] of sources) source.once(event, run)
}

/**
 * Admission control of the sidecar, so that no client can hold what everyone needs (THREATS §8):
 * at most `maxInFlight` proxied requests (503 beyond), `maxInFlightPerConnection` on one connection
 * (pipelining; 429 beyond), and at most `maxUploads` requests still sending their body — below the
 * upstream pool's size, so stalled uploads never take the connections other requests need (503
 * beyond; `maxUploadsPerClient` per client address, 429 beyond). A websocket lives on its own
 * connection to the upstream and is not counted here.
 */
export function createAdmission(
  limits: Limits,
  trustedPeer: (address: string | undefined) => boolean,
): Admission {
  let inFlight = 0
  let uploads = 0
  const perConnection = new WeakMap<Socket, number>()
  const uploadsPerClient = new Map<string, number>()

  /** Why a request may not be in flight now, or undefined. */
  function refusal(socket: Socket): GateError | undefined {
    if ((perConnection.get(socket) ?? 0) >= limits.maxInFlightPerConnection) {
      const detail = 'requests in flight on one connection'
      return new GateError('TOO_MANY_REQUESTS', { detail, retryAfterSeconds: 1 })
    }
    if (inFlight >= limits.maxInFlight)
      return new GateError('OVERLOADED', { detail: 'requests in flight', retryAfterSeconds: 1 })
    return undefined
  }

  function admit(socket: Socket, res: ServerResponse): void {
    inFlight += 1
    perConnection.set(socket, (perConnection.get(socket) ?? 0) + 1)
    once(() => {
      inFlight -= 1
      perConnection.set(socket, (perConnection.get(socket) ?? 1) - 1)
    }, [res, 'close'])
  }

  return {
    // Callback style: these run on every proxied request, and async hooks cost a promise each.
    enter(request, reply, done) {
      // A real upgrade only (Node's `upgrade` flag): an Upgrade header without `Connection: upgrade`
      // is a plain request, and must not buy its way past the limits.
      if (isUpgrade(request.raw)) return done()
      const socket = request.raw.socket
      const refused = refusal(socket)
      if (refused !== undefined) return done(refused)
      admit(socket, reply.raw)
      done()
    },

    enterNow(req, res) {
      if (refusal(req.socket) !== undefined) return false
      admit(req.socket, res)
      return true
    },

    upload(request, reply, done) {
      if (isUpgrade(request.raw) || !hasBody(request)) return done()
      const peer = request.raw.socket.remoteAddress
      const client = clientAddress(peer, request.headers['x-forwarded-for'], trustedPeer) ?? 'unknown'
      const ofClient = uploadsPerClient.get(client) ?? 0
      if (ofClient >= limits.maxUploadsPerClient) {
        const detail = 'uploads from one client'
        return done(new GateError('TOO_MANY_REQUESTS', { detail, retryAfterSeconds: 1 }))
      }
      if (uploads >= limits.maxUploads)
        return done(new GateError('OVERLOADED', { detail: 'uploads in progress', retryAfterSeconds: 1 }))
      uploads += 1
      uploadsPerClient.set(client, ofClient + 1)
      // A complete body cannot stall: the slot is free once it is in, or the exchange is over.
      once(
        () => {
          uploads -= 1
          const left = (uploadsPerClient.get(client) ?? 1) - 1
          if (left === 0) uploadsPerClient.delete(client)
          else uploadsPerClient.set(client, left)
        },
        [request.raw, 'end'],
        [request.raw, 'close'],
        [reply.raw, 'close'],
      )
      done()
    },
  }
}
