import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { answerAndClose } from './connection-errors.ts'

/** How often deadlines are checked: each fires within a second of its time. */
const CHECK_EVERY_MS = 1_000
/** Node's deadline for request headers, unless the whole-request deadline is shorter. */
const HEADERS_TIMEOUT_MS = 15_000

export interface RequestDeadlines {
  /** Headers and body, from the request's first byte (Node's requestTimeout). */
  readonly requestTimeoutMs: number
  /** Longest pause within a body, while fxa-gate is ready to read it. */
  readonly bodyIdleTimeoutMs: number
}

interface Receiving {
  readonly request: IncomingMessage
  bytesRead: number
  progressAt: number
}

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length']
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

/**
 * Puts a deadline on everything a client can hold on a listener (THREATS §7): the whole request,
 * headers and body (Node's requestTimeout, checked every second), and each pause within a body.
 * A pause counts only while fxa-gate is ready to read: a body held back because the upstream reads
 * slowly is not the client's delay. Either ends in 408 and a closed connection. Call before listen.
 */
export function applyRequestDeadlines(
  server: Server,
  deadlines: RequestDeadlines,
  onTimeout: (kind: 'body-idle') => void = () => {},
  clock: () => number = Date.now,
): void {
  server.requestTimeout = deadlines.requestTimeoutMs
  server.headersTimeout = Math.min(HEADERS_TIMEOUT_MS, deadlines.requestTimeoutMs)
  // Read when the server starts listening (absent from @types/node).
  ;(server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = CHECK_EVERY_MS

  const receiving = new Set<Receiving>()
  const track = (request: IncomingMessage, _response: ServerResponse) => {
    if (request.complete || !hasBody(request)) return
    const entry = { request, bytesRead: request.socket.bytesRead, progressAt: clock() }
    receiving.add(entry)
    const done = () => receiving.delete(entry)
    request.once('end', done)
    request.once('close', done)
  }
  server.on('request', track)
  const sweep = setInterval(() => {
    const now = clock()
    for (const entry of receiving) {
      const { request } = entry
      const socket = request.socket
      if (request.complete || socket.destroyed) {
        receiving.delete(entry)
        continue
      }
      // Bytes arrived, or some wait in the request's buffer for a slow reader: not idle.
      if (socket.bytesRead !== entry.bytesRead || request.readableLength > 0) {
        entry.bytesRead = socket.bytesRead
        entry.progressAt = now
        continue
      }
      if (now - entry.progressAt >= deadlines.bodyIdleTimeoutMs) {
        receiving.delete(entry)
        onTimeout('body-idle')
        answerAndClose(socket, 'REQUEST_TIMEOUT')
      }
    }
  }, CHECK_EVERY_MS)
  sweep.unref()
  server.once('close', () => clearInterval(sweep))
}
