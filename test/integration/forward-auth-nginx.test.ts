import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type EchoApp, type EchoedRequest, startEchoApp } from '../../dev/echo-app.ts'
import { uidForEmail } from '../../dev/fake-fxa/index.ts'
import { createCookieJar, loginThroughGate, startTestGate, type TestGate } from '../support/gate.ts'
import { exactRequest, startNginx, untilReady } from '../support/nginx.ts'

const redisUrl = inject('redisUrl')
const FORGED = {
  'x-user-id': 'forged-id',
  'x-user-email': 'forged@evil.test',
  'x-forwarded-uri': '/public/x',
}

/** The one value the upstream received for a header, failing on duplicates (a forged copy kept beside ours). */
function single(request: EchoedRequest | undefined, name: string): string | undefined {
  const values: string[] = []
  const raw = request?.rawHeaders ?? []
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) values.push(raw[i + 1]!)
  expect(values.length, `${name} sent ${values.length} times`).toBeLessThanOrEqual(1)
  return values[0]
}

describe('ingress-nginx auth-url (real nginx, configured as ingress-nginx renders the example Ingress)', () => {
  let gate: TestGate
  let echo: EchoApp
  let nginx: Awaited<ReturnType<typeof startNginx>>

  beforeAll(async () => {
    echo = await startEchoApp()
    // Any port of 127.0.0.1: nginx's port is only known once it runs.
    gate = await startTestGate({
      redisUrl,
      env: { FXA_GATE_PUBLIC_PATHS: '/public/*,/healthz', FXA_GATE_ALLOWED_REDIRECT_HOSTS: '127.0.0.1' },
    })
    await untilReady(gate.adminUrl)
    nginx = await startNginx({
      ingress: {
        host: '127.0.0.1',
        authUrl: `${gate.url}/_gate/auth/nginx`,
        signinUrl: `${gate.url}/_gate/start`,
      },
      upstream: `127.0.0.1:${echo.port}`,
    })
  })
  afterAll(async () => {
    await nginx?.stop()
    await gate?.close()
    await echo?.close()
  })

  it('redirects an anonymous browser to the sign-in with the original URL, then lets it in with the identity headers', async () => {
    const jar = createCookieJar()
    const original = `${nginx.url}/reports/q3?year=2026&tab=a%2Fb`
    const first = await jar.fetch(original, { headers: { accept: 'text/html' } })
    expect(first.status).toBe(302)
    const signin = new URL(first.headers.get('location')!)
    expect(`${signin.origin}${signin.pathname}`).toBe(`${gate.url}/_gate/start`)
    expect(signin.searchParams.get('rd')).toBe(original)

    const landed = await loginThroughGate(jar, gate.url, 'ann@example.org', { startUrl: signin.href })
    expect(landed.status).toBe(302)
    expect(landed.headers.get('location')).toBe(original)

    const before = echo.requests.length
    const page = await jar.fetch(original, { headers: { accept: 'text/html' } })
    expect(page.status).toBe(200)
    expect(echo.requests.length).toBe(before + 1)
    const seen = echo.requests.at(-1)
    expect(seen?.url).toBe('/reports/q3?year=2026&tab=a%2Fb')
    expect(single(seen, 'x-user-id')).toBe(uidForEmail('ann@example.org'))
    expect(single(seen, 'x-user-email')).toBe('ann@example.org')
    expect(single(seen, 'x-auth-request-email')).toBe('ann@example.org')
    expect(single(seen, 'x-user-auth')).toBe('session')
    expect(single(seen, 'x-user-assertion')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
  })

  it('never lets an API client through anonymously (ingress-nginx sends it to the sign-in too)', async () => {
    const before = echo.requests.length
    const response = await exactRequest(nginx.port, '/api/items', { accept: 'application/json' })
    expect(response.status).toBe(302)
    expect(echo.requests.length).toBe(before)
  })

  it('gives an anonymous client nothing for forged X-User-Id, X-User-Email or X-Forwarded-Uri: still redirected', async () => {
    const before = echo.requests.length
    const response = await exactRequest(nginx.port, '/private', { ...FORGED, accept: 'text/html' })
    expect(response.status).toBe(302)
    expect(response.headers.location).toContain('/_gate/start?rd=')
    expect(echo.requests.length).toBe(before)
  })

  it("hands the app fxa-gate's values, not the forged ones, for a signed-in client", async () => {
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'bea@example.org')
    const cookie = jar.cookieHeader(nginx.url)
    const forged = {
      ...FORGED,
      'x-user-name': 'Forged Name',
      'x-user-assertion': 'forged.assertion.value',
      cookie,
    }
    const response = await exactRequest(nginx.port, '/private', forged)
    expect(response.status).toBe(200)
    const seen = echo.requests.at(-1)
    expect(single(seen, 'x-user-id')).toBe(uidForEmail('bea@example.org'))
    expect(single(seen, 'x-user-email')).toBe('bea@example.org')
    // The fake FxA gives new accounts no display name: the answer lacks it, so nginx drops the client's.
    expect(single(seen, 'x-user-name')).toBeUndefined()
    expect(single(seen, 'x-user-assertion')).not.toBe('forged.assertion.value')
  })

  it('strips forged identity headers on a public path too, where fxa-gate answers without an identity', async () => {
    const response = await exactRequest(nginx.port, '/public/logo.svg', {
      ...FORGED,
      'x-auth-request-user': 'forged',
      x_user_id: 'forged-underscore',
    })
    expect(response.status).toBe(200)
    const seen = echo.requests.at(-1)
    expect(seen?.url).toBe('/public/logo.svg')
    for (const name of ['x-user-id', 'x-user-email', 'x-auth-request-user', 'x_user_id']) {
      expect(single(seen, name), name).toBeUndefined()
    }
  })

  it('never turns the rd built from a hostile Host into an off-allow-list redirect after login', async () => {
    const before = echo.requests.length
    for (const host of ['evil.test', 'EVIL.test.', 'evil.test:443', '127.0.0.1.evil.test']) {
      // Absolute-form target: nginx routes on the request line's host, ingress-nginx builds rd from Host.
      const response = await exactRequest(nginx.port, `http://127.0.0.1:${nginx.port}/private`, {
        host,
        accept: 'text/html',
      })
      expect(response.status, host).toBe(302)
      const signin = response.headers.location!
      expect(signin.startsWith(`${gate.url}/_gate/start?rd=`), signin).toBe(true)
      const jar = createCookieJar()
      const landed = await loginThroughGate(jar, gate.url, 'cat@example.org', { startUrl: signin })
      expect(landed.status, host).toBe(302)
      const location = landed.headers.get('location')!
      expect(location, host).not.toContain('evil.test')
      expect(location === '/' || location.startsWith(`${nginx.url}/`), location).toBe(true)
    }
    // A Host that nginx or fxa-gate cannot read as a host is refused before any redirect (nginx
    // shows fxa-gate's 400 as 500).
    const unreadable = [
      `127.0.0.1:${nginx.port}@evil.test`,
      `evil.test#@127.0.0.1:${nginx.port}`,
      `evil.test?@127.0.0.1:${nginx.port}`,
      'evil.test&rd=https://evil.test',
    ]
    for (const host of unreadable) {
      const response = await exactRequest(nginx.port, `http://127.0.0.1:${nginx.port}/private`, {
        host,
        accept: 'text/html',
      })
      expect([400, 500], host).toContain(response.status)
      expect(response.headers.location, host).toBeUndefined()
    }
    expect(echo.requests.length).toBe(before)
  })

  it("answers a Host that names no Ingress with the controller's 404, reaching neither fxa-gate nor the app", async () => {
    const before = echo.requests.length
    const response = await exactRequest(nginx.port, '/private', { host: 'evil.test', accept: 'text/html' })
    expect(response.status).toBe(404)
    expect(echo.requests.length).toBe(before)
  })
})

describe('ingress-nginx auth-cache-key (real nginx proxy_cache)', () => {
  let gate: TestGate
  let echo: EchoApp
  let nginx: Awaited<ReturnType<typeof startNginx>>

  async function gateAsked(): Promise<number> {
    const metric = await gate.gate.ctx.metrics.decisions.get()
    return metric.values
      .filter((value) => value.labels['endpoint'] === 'nginx')
      .reduce((sum, value) => sum + value.value, 0)
  }

  beforeAll(async () => {
    echo = await startEchoApp()
    gate = await startTestGate({ redisUrl, env: { FXA_GATE_AUTH_CACHE_TTL: '30s' } })
    await untilReady(gate.adminUrl)
    nginx = await startNginx({
      ingress: {
        host: '127.0.0.1',
        authUrl: `${gate.url}/_gate/auth/nginx`,
        signinUrl: `${gate.url}/_gate/start`,
      },
      upstream: `127.0.0.1:${echo.port}`,
    })
  })
  afterAll(async () => {
    await nginx?.stop()
    await gate?.close()
    await echo?.close()
  })

  it('reuses an allow for the same session and URL, and never for another session or URL', async () => {
    const ann = createCookieJar()
    const bob = createCookieJar()
    await loginThroughGate(ann, gate.url, 'ann@example.org')
    await loginThroughGate(bob, gate.url, 'bob@example.org')
    const asAnn = { cookie: ann.cookieHeader(nginx.url) }
    const asBob = { cookie: bob.cookieHeader(nginx.url) }

    const start = await gateAsked()
    expect((await exactRequest(nginx.port, '/cached/a', asAnn)).status).toBe(200)
    expect((await exactRequest(nginx.port, '/cached/a', asAnn)).status).toBe(200)
    expect(await gateAsked()).toBe(start + 1)
    expect(single(echo.requests.at(-1), 'x-user-id')).toBe(uidForEmail('ann@example.org'))

    expect((await exactRequest(nginx.port, '/cached/a', asBob)).status).toBe(200)
    expect(await gateAsked()).toBe(start + 2)
    expect(single(echo.requests.at(-1), 'x-user-id')).toBe(uidForEmail('bob@example.org'))

    expect((await exactRequest(nginx.port, '/cached/b', asAnn)).status).toBe(200)
    expect(await gateAsked()).toBe(start + 3)
  })

  it('never stores a denial: every anonymous request asks fxa-gate again', async () => {
    const start = await gateAsked()
    for (let i = 0; i < 3; i++) expect((await exactRequest(nginx.port, '/cached/a')).status).toBe(302)
    expect(await gateAsked()).toBe(start + 3)
  })
})

describe('per-ingress requirements in the auth URL (real nginx)', () => {
  let gate: TestGate
  let echo: EchoApp
  let nginx: Awaited<ReturnType<typeof startNginx>>
  let ann: ReturnType<typeof createCookieJar>
  let bob: ReturnType<typeof createCookieJar>

  beforeAll(async () => {
    echo = await startEchoApp()
    gate = await startTestGate({
      redisUrl,
      env: { FXA_GATE_RULES: JSON.stringify([{ paths: ['/staff/*'], allowedDomains: ['other.test'] }]) },
    })
    await untilReady(gate.adminUrl)
    nginx = await startNginx({
      ingress: {
        host: '127.0.0.1',
        authUrl: `${gate.url}/_gate/auth/nginx?allowed_domains=example.org`,
        signinUrl: `${gate.url}/_gate/start`,
      },
      upstream: `127.0.0.1:${echo.port}`,
    })
    ann = createCookieJar()
    bob = createCookieJar()
    await loginThroughGate(ann, gate.url, 'ann@example.org')
    await loginThroughGate(bob, gate.url, 'bob@other.test')
  })
  afterAll(async () => {
    await nginx?.stop()
    await gate?.close()
    await echo?.close()
  })

  it('lets the allowed domain in and answers 403 to another domain', async () => {
    expect((await exactRequest(nginx.port, '/docs', { cookie: ann.cookieHeader(nginx.url) })).status).toBe(
      200,
    )
    const before = echo.requests.length
    expect((await exactRequest(nginx.port, '/docs', { cookie: bob.cookieHeader(nginx.url) })).status).toBe(
      403,
    )
    expect(echo.requests.length).toBe(before)
  })

  it("never widens a rule's own requirement: where both apply, both must hold", async () => {
    const before = echo.requests.length
    expect(
      (await exactRequest(nginx.port, '/staff/rota', { cookie: ann.cookieHeader(nginx.url) })).status,
    ).toBe(403)
    expect(
      (await exactRequest(nginx.port, '/staff/rota', { cookie: bob.cookieHeader(nginx.url) })).status,
    ).toBe(403)
    expect(echo.requests.length).toBe(before)
  })
})
