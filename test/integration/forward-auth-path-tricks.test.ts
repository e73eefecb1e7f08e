import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import {
  ADMIN_TRICKS,
  PATH_TRICK_PUBLIC_PATHS,
  PATH_TRICKS,
  PUBLIC_TARGETS,
} from '../fixtures/path-tricks.ts'
import { createCookieJar, loginThroughGate, type TestGate } from '../support/gate.ts'
import { rawRequestStatus } from '../support/nginx.ts'
import { type ProxiedApp, REAL_PROXIES, startBehindProxy } from '../support/proxies.ts'

const redisUrl = inject('redisUrl')

/**
 * THREATS.md §4 through real proxies: every request target is sent byte for byte (no client
 * normalizes it); the proxy may refuse it itself (400, 404), fxa-gate may deny it, but the app
 * behind must never receive one without the right identity.
 */
describe.each(REAL_PROXIES)('the path-trick corpus through %s', (_name, proxyKind) => {
  let app: ProxiedApp
  let gate: TestGate
  let echo: ProxiedApp['echo']
  let proxy: ProxiedApp['proxy']

  beforeAll(async () => {
    app = await startBehindProxy(proxyKind, {
      redisUrl,
      env: {
        FXA_GATE_PUBLIC_PATHS: PATH_TRICK_PUBLIC_PATHS.join(','),
        FXA_GATE_RULES: JSON.stringify([{ paths: ['/admin/*'], allowedDomains: ['corp.example'] }]),
      },
    })
    ;({ gate, echo, proxy } = app)
  })
  afterAll(() => app?.close())

  it(`has at least 80 cases (${PATH_TRICKS.length})`, () =>
    expect(PATH_TRICKS.length).toBeGreaterThanOrEqual(80))

  it('lets no case reach the app anonymously', async () => {
    echo.requests.length = 0
    // Statuses vary (302, 400, 404, 500; Caddy answers 200 with an empty body when no site matches
    // the request line's host): what counts is that the app saw nothing.
    for (const target of PATH_TRICKS) await rawRequestStatus(proxy.port, `GET ${target} HTTP/1.1`)
    expect(echo.requests.map((request) => request.url)).toEqual([])
  })

  it('lets no /admin case reach the app for a user outside the admin domain', async () => {
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'ann@example.org')
    const cookie = `Cookie: ${jar.cookieHeader(gate.url)}`
    echo.requests.length = 0
    for (const target of ADMIN_TRICKS) await rawRequestStatus(proxy.port, `GET ${target} HTTP/1.1`, [cookie])
    expect(echo.requests.map((request) => request.url)).toEqual([])
    // The same user does reach a protected page that needs no domain: the cookie works.
    expect(await rawRequestStatus(proxy.port, 'GET /private HTTP/1.1', [cookie])).toBe(200)
  })

  it('still serves every public target anonymously (the corpus is refused, not everything)', async () => {
    echo.requests.length = 0
    for (const target of PUBLIC_TARGETS)
      expect(await rawRequestStatus(proxy.port, `GET ${target} HTTP/1.1`), target).toBe(200)
    expect(echo.requests.map((request) => request.url)).toEqual([...PUBLIC_TARGETS])
    for (const request of echo.requests) expect(request.headers['x-user-id']).toBeUndefined()
  })
})
