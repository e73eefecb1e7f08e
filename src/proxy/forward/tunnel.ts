import { type IncomingMessage, request, STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { translateUpstreamError } from '../upstream-errors.ts'
import type { RelayContext } from './relay.ts'
import { cleanResponseHead, serializeHead } from './response-head.ts'
import type { ForwardTarget, UpstreamRequestHeaders } from './types.ts'

/** The handshake headers the client's upgrade carries end to end (the cleaned list has none). */
const HANDSHAKE = new Set([
  'upgrade',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
])

export interface TunnelContext {
  readonly origin: URL
  readonly connectTimeoutMs: number
  readonly headersTimeoutMs: number
  readonly relay: RelayContext
}

function flat(headers: UpstreamRequestHeaders): string[] {
  if (Array.isArray(headers)) return [...(headers as readonly string[])]
  const out: string[] = []
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') out.push(name, value)
    else for (const one of value as readonly string[]) out.push(name, one)
  }
  return out
}

/** The upstream request's headers: the decided ones, the client's handshake, `Connection: upgrade`. */
function upgradeHeaders(req: IncomingMessage, target: ForwardTarget): string[] {
  const headers = flat(target.headers)
  const raw = req.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    // Only the exact spellings: anything Node would not read as the header is not forwarded as it.
    const name = raw[i]!.toLowerCase()
    if (HANDSHAKE.has(name)) headers.push(name, raw[i + 1]!)
  }
  headers.push('connection', 'upgrade')
  return headers
}

/** Joins two sockets byte for byte; when either ends or fails, both are torn down. */
function join(client: Duplex, upstream: Socket, closed: () => void): void {
  let open = 2
  const teardown = () => {
    client.destroy()
    upstream.destroy()
  }
  const onClose = () => {
    teardown()
    if (--open === 0) closed()
  }
  client.on('error', teardown)
  upstream.on('error', teardown)
  client.once('close', onClose)
  upstream.once('close', onClose)
  client.pipe(upstream)
  upstream.pipe(client)
}

/**
 * A websocket (or any HTTP/1.1 Upgrade) through the sidecar: the handshake goes upstream on a
 * connection of its own; on 101 the two sockets are joined, frames untouched, with backpressure
 * from `pipe` and no message buffered. Any other answer is relayed and the connection closed; an
 * upstream that refuses or does not answer within the deadlines gets the client a 502 or 504.
 */
export function openTunnel(
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  target: ForwardTarget,
  ctx: TunnelContext,
): void {
  const { relay, origin } = ctx
  let settled = false
  const upstreamRequest = request({
    host: origin.hostname,
    port: origin.port === '' ? 80 : Number(origin.port),
    method: target.method,
    path: target.path,
    headers: upgradeHeaders(req, target),
    setHost: false,
    agent: false,
  })
  const deadline = setTimeout(() => {
    const timeout = Object.assign(new Error('upstream upgrade timed out'), { code: 'ETIMEDOUT' })
    upstreamRequest.destroy(timeout)
  }, ctx.connectTimeoutMs + ctx.headersTimeoutMs).unref()
  const abandon = () => {
    if (!settled) upstreamRequest.destroy()
  }
  client.once('close', abandon)
  client.on('error', abandon)

  upstreamRequest.on('upgrade', (res, upstream, upstreamHead) => {
    settled = true
    clearTimeout(deadline)
    client.off('close', abandon)
    client.off('error', abandon)
    if (client.destroyed) return upstream.destroy()
    const headers = cleanResponseHead(res.rawHeaders, relay.policy, 101)
    client.write(serializeHead(101, res.statusMessage || 'Switching Protocols', headers))
    if (upstreamHead.length > 0) client.write(upstreamHead)
    if (head.length > 0) upstream.write(head)
    upstream.setNoDelay(true)
    ;(client as Socket).setTimeout?.(0)
    relay.events.websocketOpened()
    join(client, upstream, () => relay.events.websocketClosed())
  })

  upstreamRequest.on('response', (res) => {
    // The upstream declined to switch: its answer is the client's, on a connection that then ends.
    settled = true
    clearTimeout(deadline)
    const headers = cleanResponseHead(res.rawHeaders, relay.policy, res.statusCode ?? 502)
    headers.push('connection', 'close')
    client.write(
      serializeHead(
        res.statusCode ?? 502,
        res.statusMessage || (STATUS_CODES[res.statusCode ?? 502] ?? ''),
        headers,
      ),
    )
    res.on('error', () => client.destroy())
    res.pipe(client)
  })

  upstreamRequest.on('error', (error) => {
    clearTimeout(deadline)
    if (settled || client.destroyed) return client.destroy()
    settled = true
    const failure = translateUpstreamError(error)
    relay.events.upstreamError(failure.reason, failure.error)
    const answer = relay.renderError(failure.error, req.headers)
    const length = Buffer.byteLength(answer.body)
    const headers = [...answer.headers, 'content-length', String(length), 'connection', 'close']
    client.end(serializeHead(answer.status, STATUS_CODES[answer.status] ?? '', headers) + answer.body)
  })
  upstreamRequest.end()
}
