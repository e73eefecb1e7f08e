// The application behind every proxy: as cheap as an HTTP server gets, so the proxies dominate.
// `/b100` answers 100 bytes, `/b64k` 64 KiB, anything else `{"ok":true}`; `/ws` is a websocket echo.
import { createServer } from 'node:http'
import { WebSocketServer } from 'ws'

const bodies: Record<string, Buffer> = {
  '/b100': Buffer.alloc(100, 'a'),
  '/b64k': Buffer.alloc(64 * 1024, 'b'),
}
const fallback = Buffer.from('{"ok":true}')
const server = createServer((req, res) => {
  req.resume()
  const body = bodies[req.url ?? ''] ?? fallback
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body)
})
const wss = new WebSocketServer({ server, perMessageDeflate: false })
wss.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })))
server.listen(Number(process.env['PORT']), '127.0.0.1', () => process.send?.('ready'))
// Exit cleanly on a signal, so --cpu-prof and --heap-prof write their files.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0))
