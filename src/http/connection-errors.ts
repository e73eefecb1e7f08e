import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { ERRORS, type ErrorCode } from '../errors.ts'

/**
 * Answers on a connection whose request cannot be completed (timeout, unparseable) with fxa-gate's
 * JSON error, when no answer has begun on it, and closes it. Used where no request object can
 * answer: Node's client errors and the body-idle deadline.
 */
export function answerAndClose(socket: Socket, code: ErrorCode): void {
  if (socket.destroyed) return
  // The response in progress on this connection, if any (Node's own record of it).
  const current = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage
  if (socket.writable && !current?.headersSent) {
    const { status, message } = ERRORS[code]
    const body = JSON.stringify({ error: code, message })
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`,
    )
  }
  socket.destroySoon()
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
}

/**
 * Fastify's `clientErrorHandler`: what Node reports before a request exists (unparseable bytes,
 * oversized headers, the request deadline). Answers like the rest of fxa-gate, never over a
 * response that has begun.
 */
export function handleClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const code: ErrorCode =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? 'REQUEST_TIMEOUT'
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? 'HEADERS_TOO_LARGE'
        : 'BAD_REQUEST'
  answerAndClose(socket, code)
}
