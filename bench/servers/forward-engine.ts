// The sidecar's forwarding engine (src/proxy/forward/) alone, no auth: what the new proxy path costs
// before the gate's decision is put in front of it.
import { createServer } from 'node:http'
import { errorAnswer } from '../../src/http/error-body.ts'
import { createForwarder } from '../../src/proxy/forward/forwarder.ts'

const noop = () => {}
const forwarder = createForwarder({
  upstream: process.env['UPSTREAM'] ?? '',
  connections: 256,
  uploadConnections: 256,
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  requestBodyTimeoutMs: 30_000,
  ownCookies: ['__Host-fxa-gate', '__Host-fxa-gate-login'],
  events: {
    upstreamError: noop,
    abortedResponse: noop,
    stalledUpload: noop,
    websocketOpened: noop,
    websocketClosed: noop,
  },
  renderError: (error, headers) => errorAnswer(error, headers),
})
// What the gate's header hygiene would drop on the way (the engine adds a websocket's handshake).
const HOP = /^(connection|keep-alive|upgrade|transfer-encoding|te|trailer|sec-websocket-.*)$/i
function cleaned(raw: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < raw.length; i += 2) if (!HOP.test(raw[i]!)) out.push(raw[i]!, raw[i + 1]!)
  return out
}
const server = createServer((req, res) => {
  forwarder.forward(req, res, {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    headers: cleaned(req.rawHeaders),
  })
})
server.on('upgrade', (req, socket, head) => {
  forwarder.upgrade(req, socket, head, {
    method: 'GET',
    path: req.url ?? '/',
    headers: cleaned(req.rawHeaders),
  })
})
server.listen(Number(process.env['PORT']), '127.0.0.1', () => process.send?.('ready'))
// Exit cleanly on a signal, so --cpu-prof and --heap-prof write their files.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0))
