import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Forwarder } from './forwarder.ts'
import type { ForwardTarget } from './types.ts'

/**
 * What the decision step answers synchronously, from what it holds in memory (the session cache,
 * the bearer cache, the compiled rules). Anything it cannot settle without I/O — a cache miss, a
 * login, fxa-gate's own routes — is `defer`, and the request goes the usual (fastify) way.
 */
export type QuickDecision =
  | { readonly kind: 'forward'; readonly target: ForwardTarget }
  /** A complete answer (401/403, pre-serialised), written as it is. */
  | {
      readonly kind: 'answer'
      readonly status: number
      readonly headers: readonly string[]
      readonly body: string
    }
  | { readonly kind: 'defer' }

export type QuickDecide = (req: IncomingMessage) => QuickDecision

/**
 * A `node:http` request listener that puts the forwarding engine in front of fastify: a request
 * the decision can settle synchronously (a cached session, a cached bearer token) is forwarded, or
 * answered, without fastify, a promise, or a logger; every other request goes to `fallback`
 * (fastify's own handler, from its `serverFactory` option) exactly as before.
 */
export function createFastPath(options: {
  readonly decide: QuickDecide
  readonly forwarder: Forwarder
  readonly fallback: RequestListener
}): RequestListener {
  const { decide, forwarder, fallback } = options
  return function fastPath(req: IncomingMessage, res: ServerResponse) {
    const decision = decide(req)
    switch (decision.kind) {
      case 'forward':
        return forwarder.forward(req, res, decision.target)
      case 'answer': {
        const length = Buffer.byteLength(decision.body)
        res.writeHead(decision.status, [...decision.headers, 'content-length', String(length)])
        return void res.end(decision.body)
      }
      case 'defer':
        return fallback(req, res)
    }
  }
}

/** The same for websocket upgrades: allowed ones are tunnelled, the rest go to `fallback`. */
export function createUpgradeFastPath(options: {
  readonly decide: QuickDecide
  readonly forwarder: Forwarder
  readonly fallback: (req: IncomingMessage, socket: Duplex, head: Buffer) => void
}): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { decide, forwarder, fallback } = options
  return function upgradeFastPath(req, socket, head) {
    const decision = decide(req)
    if (decision.kind === 'forward') return forwarder.upgrade(req, socket, head, decision.target)
    return fallback(req, socket, head)
  }
}
