// The application behind the proxies: as cheap as an HTTP server gets, so the proxies dominate.
import { createServer } from 'node:http'

const body = Buffer.from('{"ok":true}')
createServer((req, res) => {
  req.resume()
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body)
}).listen(Number(process.env['PORT']), '127.0.0.1', () => process.send?.('ready'))
