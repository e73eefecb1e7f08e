import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { IDENTITY_HEADERS } from '../../deploy/examples/headers.ts'
import { type EchoApp, type EchoedRequest, startEchoApp } from '../../dev/echo-app.ts'
import { uidForEmail } from '../../dev/fake-fxa/index.ts'
import { startCaddy } from '../support/caddy.ts'
import { createCookieJar, loginThroughGate, startTestGate, type TestGate } from '../support/gate.ts'
import { exactRequest, untilReady } from '../support/nginx.ts'

const redisUrl = inject('redisUrl')
// What a browser sends for a top-level navigation (Node's fetch always says `cors`: these requests
// go through exactRequest, with the jar's cookies).
const NAVIGATION = { accept: 'text/html', 'sec-fetch-mode': 'navigate' }
const FORGED = {
  'x-user-id': 'forged-id',
  'x-user-email': 'forged@evil.test',
  'x-forwarded-uri': '/public/x',
}

/** Every value the upstream received for a header, matched the way Go and Node fold names. */
function values(request: EchoedRequest | undefined, name: string): string[] {
  const found: string[] = []
  const raw = request?.rawHeaders ?? []
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) found.push(raw[i + 1]!)
  return found
}

describe("Caddy forward_auth (real Caddy, the example Caddyfile's site block)", () => {
  let gate: TestGate
  let echo: EchoApp
  let caddy: Awaited<ReturnType<typeof startCaddy>>

  beforeAll(async () => {
    echo = await startEchoApp()
    gate = await startTestGate({
      redisUrl,
      env: {
        FXA_GATE_PUBLIC_PATHS: '/public/*,/healthz',
        // Caddy connects from 127.0.0.1; any port of it may be a return URL (Caddy's port comes later).
        FXA_GATE_TRUSTED_PROXIES: '127.0.0.1/32',
        FXA_GATE_ALLOWED_REDIRECT_HOSTS: '127.0.0.1',
        FXA_GATE_RULES: JSON.stringify([{ paths: ['/staff/*'], allowedDomains: ['example.org'] }]),
      },
    })
    await untilReady(gate.adminUrl)
    caddy = await startCaddy({ gate: `127.0.0.1:${gate.port}`, upstream: `127.0.0.1:${echo.port}` })
  })
  afterAll(async () => {
    await caddy?.stop()
    await gate?.close()
    await echo?.close()
  })

  it('redirects an anonymous browser to the sign-in with the original URL, then lets it in with the identity headers', async () => {
    const jar = createCookieJar()
    const target = '/reports/q3?year=2026&tab=a%2Fb'
    const original = `${caddy.url}${target}`
    const first = await exactRequest(caddy.port, target, NAVIGATION)
    expect(first.status).toBe(302)
    const signin = new URL(first.headers.location!)
    expect(`${signin.origin}${signin.pathname}`).toBe(`${gate.url}/_gate/start`)
    expect(signin.searchParams.get('rd')).toBe(original)

    const landed = await loginThroughGate(jar, gate.url, 'ann@example.org', { startUrl: signin.href })
    expect(landed.status).toBe(302)
    expect(landed.headers.get('location')).toBe(original)

    const before = echo.requests.length
    expect(
      (await exactRequest(caddy.port, target, { ...NAVIGATION, cookie: jar.cookieHeader(original) })).status,
    ).toBe(200)
    expect(echo.requests.length).toBe(before + 1)
    const seen = echo.requests.at(-1)
    expect(seen?.url).toBe('/reports/q3?year=2026&tab=a%2Fb')
    expect(values(seen, 'x-user-id')).toEqual([uidForEmail('ann@example.org')])
    expect(values(seen, 'x-user-email')).toEqual(['ann@example.org'])
    expect(values(seen, 'x-user-auth')).toEqual(['session'])
    expect(values(seen, 'x-user-assertion')[0]).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
  })

  it('answers an anonymous API client with 401 JSON and the login URL, never the app', async () => {
    const before = echo.requests.length
    const response = await exactRequest(caddy.port, '/api/items', { accept: 'application/json' })
    expect(response.status).toBe(401)
    expect(JSON.parse(response.body)).toMatchObject({
      error: 'UNAUTHENTICATED',
      loginUrl: expect.stringContaining('/_gate/start?rd='),
    })
    expect(echo.requests.length).toBe(before)
  })

  it('gives an anonymous client nothing for forged X-User-Id, X-User-Email or X-Forwarded-Uri: still redirected', async () => {
    const before = echo.requests.length
    const response = await exactRequest(caddy.port, '/private', {
      ...FORGED,
      'x-forwarded-host': 'evil.test',
      accept: 'text/html',
    })
    expect(response.status).toBe(302)
    const rd = new URL(response.headers.location!).searchParams.get('rd')
    expect(rd).toBe(`${caddy.url}/private`)
    expect(echo.requests.length).toBe(before)
  })

  it("hands the app fxa-gate's values, not the forged ones, for a signed-in client", async () => {
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'bea@example.org')
    const forged = {
      ...FORGED,
      'x-user-name': 'Forged Name',
      'x-user-assertion': 'forged.assertion.value',
      X_User_Id: 'forged-underscore',
    }
    const response = await exactRequest(caddy.port, '/private', {
      ...forged,
      cookie: jar.cookieHeader(caddy.url),
    })
    expect(response.status).toBe(200)
    const seen = echo.requests.at(-1)
    expect(values(seen, 'x-user-id')).toEqual([uidForEmail('bea@example.org')])
    expect(values(seen, 'x-user-email')).toEqual(['bea@example.org'])
    // No display name for this account: neither the client's value nor Caddy 2.6's placeholder text.
    expect(values(seen, 'x-user-name')).toEqual([])
    expect(values(seen, 'x-user-assertion')).not.toContain('forged.assertion.value')
    expect(values(seen, 'x_user_id')).toEqual([])
  })

  it('hands the app no identity header at all on a public path, forged or placeholder', async () => {
    const forged = Object.fromEntries(IDENTITY_HEADERS.map((name) => [name, 'forged']))
    const response = await exactRequest(caddy.port, '/public/logo.svg', { ...forged, x_user_email: 'forged' })
    expect(response.status).toBe(200)
    const seen = echo.requests.at(-1)
    expect(seen?.url).toBe('/public/logo.svg')
    for (const name of [...IDENTITY_HEADERS.map((header) => header.toLowerCase()), 'x_user_email']) {
      expect(values(seen, name), name).toEqual([])
    }
  })

  it("keeps the client's query string out of the auth request: it can neither break nor loosen the check", async () => {
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'bob@other.test')
    const cookie = jar.cookieHeader(caddy.url)
    // An unknown auth URL parameter would be a 400 if the query reached fxa-gate.
    expect((await exactRequest(caddy.port, '/search?q=x&page=2', { cookie })).status).toBe(200)
    expect(echo.requests.at(-1)?.url).toBe('/search?q=x&page=2')
    const before = echo.requests.length
    const loosen = await exactRequest(caddy.port, '/staff/rota?allowed_domains=other.test', {
      cookie,
      accept: 'application/json',
    })
    expect(loosen.status).toBe(403)
    expect(echo.requests.length).toBe(before)
  })
})

describe("Caddy behind a trusted load balancer (trusted_proxies): the host fxa-gate decides on is the site's", () => {
  let gate: TestGate
  let echo: EchoApp
  let caddy: Awaited<ReturnType<typeof startCaddy>>

  beforeAll(async () => {
    echo = await startEchoApp()
    gate = await startTestGate({
      redisUrl,
      env: {
        FXA_GATE_TRUSTED_PROXIES: '127.0.0.1/32',
        FXA_GATE_RULES: JSON.stringify([{ hosts: ['public.example'], access: 'public' }]),
      },
    })
    await untilReady(gate.adminUrl)
    // What an operator adds to see client addresses behind a load balancer; Caddy then keeps a
    // trusted peer's X-Forwarded-Host on the auth request, and the load balancer passes a client's.
    caddy = await startCaddy({
      gate: `127.0.0.1:${gate.port}`,
      upstream: `127.0.0.1:${echo.port}`,
      editSite: (site) => site.replace(/(forward_auth [^\n]+\{\n)/, '$1\t\t\ttrusted_proxies 127.0.0.1/32\n'),
    })
  })
  afterAll(async () => {
    await caddy?.stop()
    await gate?.close()
    await echo?.close()
  })

  it("never lets a client's X-Forwarded-Host make a request for the site public", async () => {
    const response = await exactRequest(caddy.port, '/secret/lb', {
      'x-forwarded-host': 'public.example',
      accept: 'application/json',
    })
    expect(response.status).not.toBe(200)
    expect(echo.requests.filter((request) => request.url.startsWith('/secret/lb'))).toEqual([])
  })
})
