import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FakeFxa } from './fake-fxa/index.ts'

/**
 * The demo's stand-ins for two pages of Mozilla accounts that a relying party only links to: the
 * account settings (where a person turns on two-step authentication) and a subscription page (where
 * they buy the capability an area needs). They change the fake FxA's accounts, and a subscription
 * is announced to fxa-gate the way FxA does it: a signed subscription-state-change event.
 */
export interface DemoAccountPages {
  readonly url: string
  close(): Promise<void>
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }
const escapeHtml = (value: string) => value.replace(/[&<>"]/g, (char) => ESCAPES[char]!)
const SUBSCRIPTION_EVENT = 'https://schemas.accounts.firefox.com/event/subscription-state-change'

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} – fake Mozilla accounts</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}label,button{display:block;margin:.75rem 0}</style></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`
}

async function formFields(req: IncomingMessage): Promise<URLSearchParams> {
  let body = ''
  for await (const chunk of req) {
    body += chunk
    if (body.length > 4096) break
  }
  return new URLSearchParams(body)
}

export function startDemoAccountPages(options: {
  fxa: FakeFxa
  /** fxa-gate's account event endpoint (`<publicUrl>/_gate/events/fxa`). */
  eventsUrl: string
  host: string
  port: number
  /** Where `returnTo` may lead: only fxa-gate's origin (this is a demo, not an open redirect). */
  gateOrigin: string
}): Promise<DemoAccountPages> {
  const { fxa } = options
  const safeReturn = (value: string | null) =>
    value?.startsWith(`${options.gateOrigin}/`) ? value : options.gateOrigin

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo.invalid')
    const send = (status: number, html: string) =>
      res
        .writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
        .end(html)
    try {
      if (url.pathname === '/settings' && req.method === 'GET') {
        return send(
          200,
          page(
            'Account settings',
            `<p>Turn on two-step authentication for an account of the fake FxA (any six digits will do as its codes).</p><form method="post" action="/settings"><label>Email <input type="email" name="email" required autocomplete="email"></label><button type="submit">Turn on two-step authentication</button></form>`,
          ),
        )
      }
      if (url.pathname === '/settings' && req.method === 'POST') {
        const email = (await formFields(req)).get('email') ?? ''
        const user = fxa.userByEmail(email)
        if (user === undefined)
          return send(404, page('No such account', '<p>Sign in once with this email first.</p>'))
        user.twoFactor = true
        return send(
          200,
          page(
            'Two-step authentication is on',
            `<p>${escapeHtml(email)} now signs in with two steps.</p><p><a href="${escapeHtml(options.gateOrigin)}/">Back to the demo</a></p>`,
          ),
        )
      }
      if (url.pathname === '/subscribe' && req.method === 'GET') {
        const capability = url.searchParams.get('capability') ?? ''
        const back = safeReturn(url.searchParams.get('return_url'))
        return send(
          200,
          page(
            'Subscribe',
            `<p>This area needs the <strong>${escapeHtml(capability)}</strong> capability.</p><form method="post" action="/subscribe"><input type="hidden" name="capability" value="${escapeHtml(capability)}"><input type="hidden" name="return_url" value="${escapeHtml(back)}"><label>Email <input type="email" name="email" required autocomplete="email"></label><button type="submit">Subscribe (free, fake)</button></form>`,
          ),
        )
      }
      if (url.pathname === '/subscribe' && req.method === 'POST') {
        const fields = await formFields(req)
        const capability = fields.get('capability') ?? ''
        const user = fxa.userByEmail(fields.get('email') ?? '')
        if (user === undefined || !/^[\w.-]{1,64}$/.test(capability))
          return send(400, page('Cannot subscribe', '<p>Sign in once with this email first.</p>'))
        const current = Array.isArray(user.subscriptions)
          ? user.subscriptions
          : (user.subscriptions?.['*'] ?? [])
        user.subscriptions = [...new Set([...current, capability])]
        // What FxA does next: tell the relying party, which updates the user's live sessions.
        const set = await fxa.signSet({
          sub: user.uid,
          events: {
            [SUBSCRIPTION_EVENT]: { capabilities: [capability], isActive: true, changeTime: Date.now() },
          },
        })
        await fetch(options.eventsUrl, { method: 'POST', headers: { authorization: `Bearer ${set}` } })
        res.writeHead(303, { location: safeReturn(fields.get('return_url')) }).end()
        return
      }
      send(404, page('Not found', '<p>Nothing here.</p>'))
    } catch (error) {
      send(500, page('Error', `<p>${escapeHtml(String(error))}</p>`))
    }
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://localhost:${port}`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections()
            server.close(() => done())
          }),
      })
    })
  })
}
