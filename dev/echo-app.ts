import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What the echo app saw of one request: the raw header lines, as the upstream would read them. */
export interface EchoedRequest {
  readonly method: string
  readonly url: string
  readonly rawHeaders: readonly string[]
  readonly headers: IncomingMessage['headers']
}

export interface EchoApp {
  readonly url: string
  readonly port: number
  readonly requests: EchoedRequest[]
  close(): Promise<void>
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }
const escapeHtml = (value: string) => value.replace(/[&<>"]/g, (char) => ESCAPES[char]!)

const IDENTITY = /^x-(user|auth-request)-/i

function rows(request: EchoedRequest, pick: (name: string) => boolean): string {
  const out: string[] = []
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]!
    if (pick(name))
      out.push(`<tr><td>${escapeHtml(name)}</td><td>${escapeHtml(request.rawHeaders[i + 1] ?? '')}</td></tr>`)
  }
  return out.join('')
}

function page(request: EchoedRequest): string {
  const identity = rows(request, (name) => IDENTITY.test(name))
  const summary = identity
    ? `<h2>Identity headers from fxa-gate</h2><table class="id">${identity}</table>`
    : '<p><strong>No identity headers:</strong> this request reached the app without fxa-gate (or on a public path).</p>'
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>echo app</title><style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem;max-width:70rem}td{border-bottom:1px solid #ddd;padding:.2rem .8rem;font-family:monospace;vertical-align:top}td:first-child{white-space:nowrap}td:last-child{word-break:break-all}table.id td{background:#e7f7ec}h2{font-size:1.1rem;margin-top:1.5rem}</style></head><body><h1>Echo app</h1><p>This sample service has no auth code. It shows the headers it received for <code>${escapeHtml(request.method)} ${escapeHtml(request.url)}</code>. </p><nav aria-label="Demo areas"><ul><li><a href="/staff/">Staff area</a> (staff.example accounts only)</li><li><a href="/two-step/">Two-step area</a> (two-step authentication)</li><li><a href="/premium/">Premium area</a> (a subscription)</li><li><a href="/_gate/sessions">Where you are signed in</a></li><li><a href="/_gate/logout">Sign out</a></li></ul></nav>${summary}<h2>Every other header</h2><table>${rows(request, (name) => !IDENTITY.test(name))}</table></body></html>`
}

/** A sample upstream that answers with the headers it received (HTML for browsers, JSON otherwise). */
export function startEchoApp(options: { port?: number; host?: string } = {}): Promise<EchoApp> {
  const requests: EchoedRequest[] = []
  const server: Server = createServer((req, res) => {
    const seen: EchoedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      rawHeaders: req.rawHeaders,
      headers: req.headers,
    }
    requests.push(seen)
    if (requests.length > 1000) requests.shift()
    req.resume()
    req.on('end', () => {
      if (req.headers.accept?.includes('text/html')) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(seen))
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(seen))
      }
    })
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        requests,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections()
            server.close(() => done())
          }),
      })
    })
  })
}
