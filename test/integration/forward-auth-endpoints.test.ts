import type { OutgoingHttpHeaders } from 'node:http'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { ENVOY_HEADERS_TO_EXT_AUTH, IDENTITY_HEADERS } from '../../deploy/examples/headers.ts'
import { uidForEmail } from '../../dev/fake-fxa/index.ts'
import { createCookieJar, loginThroughGate, startTestGate, type TestGate } from '../support/gate.ts'
import { type ExactResponse, exactRequest, untilReady } from '../support/nginx.ts'
import { stall } from '../support/stalled.ts'

const redisUrl = inject('redisUrl')
const IDENTITY_NAMES = IDENTITY_HEADERS.map((name) => name.toLowerCase())
const APP = 'app.example.com'

/** The same forged request description, whoever sends it. */
const DESCRIBED = {
  'x-forwarded-method': 'GET',
  'x-forwarded-proto': 'http',
  'x-forwarded-host': APP,
  'x-forwarded-uri': '/public/x',
  accept: 'application/json',
}

/** What the three proxies send for one client request: each endpoint's own request shape. */
const shapes = {
  nginx: (target: string, client: OutgoingHttpHeaders) => ({
    path: '/_gate/auth/nginx',
    headers: { ...client, 'x-original-url': `https://${APP}${target}`, 'x-original-method': 'GET' },
  }),
  traefik: (target: string, client: OutgoingHttpHeaders) => ({
    path: '/_gate/auth/traefik',
    headers: {
      ...client,
      'x-forwarded-method': 'GET',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': APP,
      'x-forwarded-uri': target,
    },
  }),
  envoy: (target: string, client: OutgoingHttpHeaders) => envoyCheck('GET', target, client),
}

/**
 * Envoy's HTTP check request: the client's method, `path_prefix` + its path, Host = its authority,
 * and of its headers only Authorization, Content-Length and the example's headersToExtAuth.
 */
function envoyCheck(method: string, target: string, client: OutgoingHttpHeaders) {
  const allowed = new Set(['authorization', ...ENVOY_HEADERS_TO_EXT_AUTH])
  const headers: OutgoingHttpHeaders = { host: APP, 'content-length': '0' }
  for (const [name, value] of Object.entries(client))
    if (allowed.has(name.toLowerCase())) headers[name] = value
  return { path: `/_gate/auth/envoy${target}`, headers, method }
}

function ask(
  gate: TestGate,
  check: { path: string; headers: OutgoingHttpHeaders; method?: string },
): Promise<ExactResponse> {
  return exactRequest(gate.port, check.path, check.headers, { method: check.method ?? 'GET' })
}

describe('trusted peers on /_gate/auth/traefik (X-Forwarded-* believed only from FXA_GATE_TRUSTED_PROXIES)', () => {
  let gate: TestGate
  beforeAll(async () => {
    gate = await startTestGate({
      redisUrl,
      env: { FXA_GATE_TRUSTED_PROXIES: '127.0.0.1/32', FXA_GATE_PUBLIC_PATHS: '/public/*' },
    })
    await untilReady(gate.adminUrl)
  })
  afterAll(() => gate?.close())

  it('refuses the forged description from an untrusted address with 403 naming the setting', async () => {
    const response = await exactRequest(gate.port, '/_gate/auth/traefik', DESCRIBED, {
      localAddress: '127.0.0.2',
    })
    expect(response.status).toBe(403)
    const body = JSON.parse(response.body) as { error: string; message: string }
    expect(body.error).toBe('UNTRUSTED_PEER')
    expect(body.message).toContain('FXA_GATE_TRUSTED_PROXIES')
    expect(response.headers['cache-control']).toBe('no-store')
  })

  it('honours the same description from a trusted address', async () => {
    const response = await exactRequest(gate.port, '/_gate/auth/traefik', DESCRIBED, {
      localAddress: '127.0.0.1',
    })
    expect(response.status).toBe(200)
    const protectedOne = await exactRequest(
      gate.port,
      '/_gate/auth/traefik',
      { ...DESCRIBED, 'x-forwarded-uri': '/private?a=1', accept: 'text/html' },
      { localAddress: '127.0.0.1' },
    )
    expect(protectedOne.status).toBe(302)
    expect(new URL(protectedOne.headers.location!).searchParams.get('rd')).toBe(`http://${APP}/private?a=1`)
  })

  it('trusts nobody when FXA_GATE_TRUSTED_PROXIES is empty (the default), not even loopback', async () => {
    const closed = await startTestGate({ redisUrl })
    try {
      const response = await exactRequest(closed.port, '/_gate/auth/traefik', DESCRIBED)
      expect(response.status).toBe(403)
      expect((JSON.parse(response.body) as { error: string }).error).toBe('UNTRUSTED_PEER')
    } finally {
      await closed.close()
    }
  })

  it('never invites a body (100 Continue): it decides on the headers alone, refused or allowed', async () => {
    const head = (path: string, lines: string) =>
      `POST ${path} HTTP/1.1\r\nHost: ${APP}\r\n${lines}Accept: application/json\r\nContent-Length: 60000\r\nExpect: 100-continue\r\n\r\n`
    const described = Object.entries(DESCRIBED)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('')
    for (const [path, lines, localAddress, status] of [
      ['/_gate/auth/traefik', described, '127.0.0.2', 403],
      ['/_gate/auth/traefik', described, '127.0.0.1', 200],
      ['/_gate/auth/nginx', '', '127.0.0.1', 400],
      ['/_gate/auth/envoy/private', '', '127.0.0.1', 401],
    ] as const) {
      const client = await stall(gate.port, head(path, lines), localAddress)
      const { text } = await client.closed(5_000)
      client.destroy()
      expect(text, `${path} from ${localAddress}`).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `))
    }
  })

  it("ignores an untrusted peer's X-Forwarded-Proto on the Envoy endpoint (https assumed)", async () => {
    const check = envoyCheck('GET', '/private', { accept: 'application/json', 'x-forwarded-proto': 'http' })
    const untrusted = await exactRequest(gate.port, check.path, check.headers, { localAddress: '127.0.0.2' })
    expect(untrusted.status).toBe(401)
    expect(
      new URL((JSON.parse(untrusted.body) as { loginUrl: string }).loginUrl).searchParams.get('rd'),
    ).toBe(`https://${APP}/private`)
    const trusted = await exactRequest(gate.port, check.path, check.headers, { localAddress: '127.0.0.1' })
    expect(new URL((JSON.parse(trusted.body) as { loginUrl: string }).loginUrl).searchParams.get('rd')).toBe(
      `http://${APP}/private`,
    )
  })
})

describe('browser navigations and API clients', () => {
  let gate: TestGate
  beforeAll(async () => {
    gate = await startTestGate({ redisUrl, env: { FXA_GATE_TRUSTED_PROXIES: '127.0.0.1/32' } })
    await untilReady(gate.adminUrl)
  })
  afterAll(() => gate?.close())

  const navigations: Record<string, OutgoingHttpHeaders> = {
    'Sec-Fetch-Mode: navigate': {
      'sec-fetch-mode': 'navigate',
      accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
    },
    'Accept: text/html without Sec-Fetch headers': { accept: 'text/html,*/*;q=0.8' },
  }
  const apiCalls: Record<string, OutgoingHttpHeaders> = {
    'fetch (Sec-Fetch-Mode: cors)': { 'sec-fetch-mode': 'cors', accept: 'text/html,*/*' },
    'XMLHttpRequest (X-Requested-With)': { 'x-requested-with': 'XMLHttpRequest', accept: 'text/html,*/*' },
    'Accept: application/json': { accept: 'application/json' },
    'no Accept at all': {},
  }

  for (const endpoint of ['traefik', 'envoy'] as const) {
    for (const [name, client] of Object.entries(navigations)) {
      it(`${endpoint}: a navigation (${name}) gets 302 to the login with the original URL`, async () => {
        const response = await ask(gate, shapes[endpoint]('/docs/a?b=1', client))
        expect(response.status).toBe(302)
        const location = new URL(response.headers.location!)
        expect(`${location.origin}${location.pathname}`).toBe(`${gate.url}/_gate/start`)
        expect(location.searchParams.get('rd')).toBe(`https://${APP}/docs/a?b=1`)
        expect(response.headers['cache-control']).toBe('no-store')
      })
    }
    for (const [name, client] of Object.entries(apiCalls)) {
      it(`${endpoint}: ${name} gets 401 JSON with loginUrl, never a redirect`, async () => {
        const response = await ask(gate, shapes[endpoint]('/docs/a?b=1', client))
        expect(response.status).toBe(401)
        expect(response.headers['content-type']).toMatch(/^application\/json/)
        expect(response.headers['www-authenticate']).toMatch(/^Bearer /)
        const body = JSON.parse(response.body) as { error: string; loginUrl: string }
        expect(body.error).toBe('UNAUTHENTICATED')
        expect(new URL(body.loginUrl).searchParams.get('rd')).toBe(`https://${APP}/docs/a?b=1`)
      })
    }
  }

  it('nginx: never a 3xx, whoever asks: 401 with Location and WWW-Authenticate', async () => {
    for (const client of [...Object.values(navigations), ...Object.values(apiCalls)]) {
      const response = await ask(gate, shapes.nginx('/docs/a?b=1', client))
      expect(response.status).toBe(401)
      expect(response.headers['www-authenticate']).toMatch(/^Bearer /)
      expect(new URL(response.headers.location!).searchParams.get('rd')).toBe(`https://${APP}/docs/a?b=1`)
    }
  })
})

describe('Envoy ext_authz contract (/_gate/auth/envoy, path_prefix)', () => {
  let gate: TestGate
  let cookie: string
  beforeAll(async () => {
    gate = await startTestGate({
      redisUrl,
      env: {
        FXA_GATE_PUBLIC_PATHS: '/public/*',
        FXA_GATE_RULES: JSON.stringify([{ paths: ['/admin/*'], allowedDomains: ['corp.example'] }]),
      },
    })
    await untilReady(gate.adminUrl)
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'ann@example.org')
    cookie = jar.cookieHeader(gate.url)
  })
  afterAll(() => gate?.close())

  const removedAll = (response: ExactResponse) =>
    String(response.headers['x-envoy-auth-headers-to-remove'] ?? '')
      .split(',')
      .filter(Boolean)
  /** The names fxa-gate writes among those named for removal (the legacy names come on top). */
  const removed = (response: ExactResponse) =>
    removedAll(response).filter((name) => IDENTITY_NAMES.includes(name))

  it("allows a session's check request (method and path kept, Host the authority) with the identity headers", async () => {
    const response = await ask(
      gate,
      envoyCheck('POST', '/orders/7?expand=1', { cookie, accept: 'application/json', 'x-user-id': 'forged' }),
    )
    expect(response.status).toBe(200)
    expect(response.headers['x-user-id']).toBe(uidForEmail('ann@example.org'))
    expect(response.headers['x-user-email']).toBe('ann@example.org')
    expect(response.headers['x-user-assertion']).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
  })

  it('names, on an allow, exactly the identity headers it did not set, so Envoy drops a client copy of those', async () => {
    const response = await ask(gate, envoyCheck('GET', '/orders', { cookie }))
    expect(response.status).toBe(200)
    const set = IDENTITY_NAMES.filter((name) => response.headers[name] !== undefined)
    expect(set).toContain('x-user-id')
    expect(removed(response).sort()).toEqual(IDENTITY_NAMES.filter((name) => !set.includes(name)).sort())
    expect(removed(response)).toContain('x-user-name') // new fake FxA accounts have no display name
  })

  it('redirects a navigation, answers 401 to an API call, and names every identity header for removal', async () => {
    const navigation = await ask(gate, envoyCheck('GET', '/orders/7?expand=1', { accept: 'text/html' }))
    expect(navigation.status).toBe(302)
    expect(new URL(navigation.headers.location!).searchParams.get('rd')).toBe(
      `https://${APP}/orders/7?expand=1`,
    )
    const api = await ask(gate, envoyCheck('DELETE', '/orders/7', { accept: 'application/json' }))
    expect(api.status).toBe(401)
    for (const response of [navigation, api])
      expect(removed(response).sort()).toEqual([...IDENTITY_NAMES].sort())
  })

  it('answers 403 when signed in but not allowed, naming every identity header for removal', async () => {
    const response = await ask(gate, envoyCheck('GET', '/admin/users', { cookie, accept: 'text/html' }))
    expect(response.status).toBe(403)
    expect(removed(response).sort()).toEqual([...IDENTITY_NAMES].sort())
  })

  it('allows a public path without an identity and names every identity header for removal', async () => {
    const response = await ask(gate, envoyCheck('GET', '/public/app.css', { 'x-user-id': 'forged' }))
    expect(response.status).toBe(200)
    for (const name of IDENTITY_NAMES) expect(response.headers[name], name).toBeUndefined()
    expect(removed(response).sort()).toEqual([...IDENTITY_NAMES].sort())
  })

  it('names every legacy identity header for removal on every answer (Envoy passes client headers on)', async () => {
    // Envoy sends fxa-gate only headersToExtAuth, so a client's X-Forwarded-User or Remote-User is
    // never seen here; the answer must have Envoy drop it before the application trusts it.
    const legacy = ['x-forwarded-user', 'x-forwarded-email', 'remote-user', 'x-remote-user', 'x-email']
    const answers = [
      await ask(gate, envoyCheck('GET', '/orders', { cookie })),
      await ask(gate, envoyCheck('GET', '/public/app.css', {})),
      await ask(gate, envoyCheck('GET', '/orders', { accept: 'application/json' })),
      await ask(gate, envoyCheck('GET', '/admin/users', { cookie, accept: 'application/json' })),
    ]
    expect(answers.map((response) => response.status)).toEqual([200, 200, 401, 403])
    for (const response of answers) expect(removedAll(response)).toEqual(expect.arrayContaining(legacy))
  })

  it('takes the path from the check request only: client description headers change nothing', async () => {
    const headers = {
      ...envoyCheck('GET', '/orders', {}).headers,
      'x-forwarded-uri': '/public/x',
      'x-original-url': `https://${APP}/public/x`,
    }
    const response = await exactRequest(gate.port, '/_gate/auth/envoy/orders', headers)
    expect(response.status).toBe(401)
  })
})

describe('Cache-Control on forward-auth answers', () => {
  let gate: TestGate
  let cookie: string
  beforeAll(async () => {
    gate = await startTestGate({
      redisUrl,
      env: {
        FXA_GATE_TRUSTED_PROXIES: '127.0.0.1/32',
        FXA_GATE_PUBLIC_PATHS: '/public/*',
        FXA_GATE_AUTH_CACHE_TTL: '20s',
        FXA_GATE_RULES: JSON.stringify([{ paths: ['/admin/*'], allowedDomains: ['corp.example'] }]),
      },
    })
    await untilReady(gate.adminUrl)
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'ann@example.org')
    cookie = jar.cookieHeader(gate.url)
  })
  afterAll(() => gate?.close())

  for (const endpoint of ['nginx', 'traefik', 'envoy'] as const) {
    it(`${endpoint}: an allow with an identity may be cached for the configured TTL, varying on the credentials`, async () => {
      const response = await ask(gate, shapes[endpoint]('/orders', { cookie }))
      expect(response.status).toBe(200)
      const maxAge = Number(/^max-age=(\d+)$/.exec(String(response.headers['cache-control']))?.[1])
      expect(maxAge).toBeGreaterThan(0)
      expect(maxAge).toBeLessThanOrEqual(20)
      expect(response.headers.vary).toBe('Cookie, Authorization')
    })

    it(`${endpoint}: 401, 403 and an anonymous allow are never stored`, async () => {
      const anonymous = await ask(gate, shapes[endpoint]('/orders', { accept: 'application/json' }))
      const forbidden = await ask(gate, shapes[endpoint]('/admin/x', { cookie, accept: 'application/json' }))
      const publicPath = await ask(gate, shapes[endpoint]('/public/a.css', {}))
      expect([anonymous.status, forbidden.status, publicPath.status]).toEqual([401, 403, 200])
      for (const response of [anonymous, forbidden, publicPath])
        expect(response.headers['cache-control']).toBe('no-store')
    })
  }
})
