import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { GateError } from '../../errors.ts'
import { nodeHttp } from '../../http/node-http.ts'
import { translateUpstreamError } from '../upstream-errors.ts'
import { FrameCursor, GOING_AWAY } from './frames.ts'
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

/** An open tunnel, as the forwarder keeps it until it closes. */
export interface OpenTunnel {
  /**
   * Ends the websocket as a server going away would: a close frame (1001) to the client between two
   * of the upstream's frames, nothing more from the upstream, the client's answer passed on; both
   * sockets are destroyed after `graceMs` whatever happened.
   */
  goAway(graceMs: number): void
}

/**
 * Joins two sockets byte for byte; when either ends or fails, both are torn down. The client's
 * bytes are piped; the upstream's are relayed by hand (with the same backpressure) so that frame
 * boundaries are known when a close frame must be put between them.
 */
function join(client: Duplex, upstream: Socket, upstreamHead: Buffer, closed: () => void): OpenTunnel {
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
  const frames = new FrameCursor()
  // What the upstream sent right behind its 101 is the start of its first frames.
  if (upstreamHead.length > 0) {
    frames.read(upstreamHead)
    client.write(upstreamHead)
  }
  let leaving = false
  const sendGoingAway = () => {
    client.write(GOING_AWAY)
    leaving = true
  }
  let closing = false
  upstream.on('data', (chunk: Buffer) => {
    if (leaving) return
    if (!closing) {
      frames.read(chunk)
      if (!client.write(chunk)) upstream.pause()
      return
    }
    const end = frames.read(chunk, true)
    if (end === -1) {
      if (!client.write(chunk)) upstream.pause()
      return
    }
    if (end > 0) client.write(chunk.subarray(0, end))
    sendGoingAway()
  })
  client.on('drain', () => upstream.resume())
  upstream.once('end', () => client.end())
  return {
    goAway(graceMs) {
      if (closing || client.destroyed) return
      closing = true
      if (frames.atBoundary) sendGoingAway()
      setTimeout(teardown, graceMs).unref()
    },
  }
}

/** Answers an upgrade with an error of its own and ends the connection. */
function refuse(
  req: IncomingMessage,
  client: Duplex,
  relay: RelayContext,
  error: GateError,
  target: ForwardTarget,
): void {
  const answer = relay.renderError(error, req.headers, target.exchange)
  const length = Buffer.byteLength(answer.body)
  const headers = [
    ...answer.headers,
    ...(target.responseHeaders ?? []),
    'content-length',
    String(length),
    'connection',
    'close',
  ]
  client.end(serializeHead(answer.status, nodeHttp.STATUS_CODES[answer.status] ?? '', headers) + answer.body)
}

/**
 * A websocket through the sidecar: the handshake goes upstream on a connection of its own; on 101
 * the two sockets are joined, frames untouched, with backpressure from `pipe` and no message
 * buffered. Any other answer is relayed and the connection closed; an upstream that refuses or
 * does not answer within the deadlines gets the client a 502 or 504. Only a GET with `Upgrade: websocket`:
 * after any other switch (h2c) the upstream would read requests nobody decided on from the tunnel.
 */
export function openTunnel(
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  target: ForwardTarget,
  ctx: TunnelContext,
  onOpen: (tunnel: OpenTunnel) => () => void = () => () => {},
): void {
  const { relay, origin } = ctx
  const protocol = req.headers.upgrade
  // RFC 6455: a GET. Any other method would carry a body (`head`) into the tunnel, undecided.
  const websocket =
    req.method === 'GET' &&
    target.method === 'GET' &&
    typeof protocol === 'string' &&
    protocol.trim().toLowerCase() === 'websocket'
  if (!websocket) {
    refuse(req, client, relay, new GateError('BAD_REQUEST', { detail: 'not a websocket handshake' }), target)
    return
  }
  let settled = false
  const upstreamRequest = nodeHttp.request({
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
    if (target.responseHeaders !== undefined) headers.push(...target.responseHeaders)
    client.write(serializeHead(101, res.statusMessage || 'Switching Protocols', headers))
    if (head.length > 0) upstream.write(head)
    upstream.setNoDelay(true)
    ;(client as Socket).setTimeout?.(0)
    relay.events.websocketOpened(target.exchange)
    let forget = () => {}
    forget = onOpen(
      join(client, upstream, upstreamHead, () => {
        forget()
        relay.events.websocketClosed(target.exchange)
      }),
    )
  })

  upstreamRequest.on('response', (res) => {
    // The upstream declined to switch: its answer is the client's, on a connection that then ends.
    settled = true
    clearTimeout(deadline)
    const headers = cleanResponseHead(res.rawHeaders, relay.policy, res.statusCode ?? 502)
    if (target.responseHeaders !== undefined) headers.push(...target.responseHeaders)
    headers.push('connection', 'close')
    client.write(
      serializeHead(
        res.statusCode ?? 502,
        res.statusMessage || (nodeHttp.STATUS_CODES[res.statusCode ?? 502] ?? ''),
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
    relay.events.upstreamError(failure.reason, failure.error, target.exchange)
    refuse(req, client, relay, failure.error, target)
  })
  upstreamRequest.end()
}
