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
const server = createServer((req, res) => {
  forwarder.forward(req, res, { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.rawHeaders })
})
server.on('upgrade', (req, socket, head) => {
  forwarder.upgrade(req, socket, head, { method: 'GET', path: req.url ?? '/', headers: [] })
})
server.listen(Number(process.env['PORT']), '127.0.0.1', () => process.send?.('ready'))
