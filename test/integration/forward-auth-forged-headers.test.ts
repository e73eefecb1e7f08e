import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { IDENTITY_HEADERS } from '../../deploy/examples/headers.ts'
import { type EchoApp, type EchoedRequest, startEchoApp } from '../../dev/echo-app.ts'
import { uidForEmail } from '../../dev/fake-fxa/index.ts'
import { FORGED_CASES, type ForgedCase, identityLike, rawRequestOf } from '../fixtures/forged-headers.ts'
import { startCaddy } from '../support/caddy.ts'
import { createCookieJar, loginThroughGate, startTestGate, type TestGate } from '../support/gate.ts'
import { startNginx, untilReady } from '../support/nginx.ts'
import { rawExchange } from '../support/sidecar.ts'

const redisUrl = inject('redisUrl')
const WRITTEN = new Set(IDENTITY_HEADERS.map((name) => name.toLowerCase()))
const EMAIL = 'ann@example.org'

/** The spelling families of THREATS §2 (prefix, separators, legacy names) and duplicated lines. */
const CASES = FORGED_CASES.map((forged, i) => ({ forged, i })).filter(({ forged }) =>
  (['prefix-case', 'separator-variant', 'legacy-name', 'duplicate'] as const).includes(
    forged.threat as never,
  ),
)

function linesOf(request: EchoedRequest): [string, string][] {
  const lines: [string, string][] = []
  for (let i = 0; i < request.rawHeaders.length; i += 2)
    lines.push([request.rawHeaders[i]!, request.rawHeaders[i + 1]!])
  return lines
}

/**
 * What the app may see: no identity-shaped line but those fxa-gate answered with, each once, with
 * fxa-gate's value (none at all for an anonymous request on a public path).
 */
function checkSeen(request: EchoedRequest, signedIn: boolean): void {
  const identity = linesOf(request).filter(([name]) => identityLike(name))
  if (!signedIn) {
    expect(identity, 'an anonymous request carries identity headers').toEqual([])
    return
  }
  for (const [name, value] of identity) {
    expect(WRITTEN.has(name.toLowerCase()), `${name} is not a name fxa-gate writes`).toBe(true)
    expect(value, name).not.toBe('forged-admin')
  }
  const names = identity.map(([name]) => name.toLowerCase())
  expect(new Set(names).size, `a name twice in ${names.join(', ')}`).toBe(names.length)
  expect(identity.find(([name]) => name.toLowerCase() === 'x-user-id')?.[1]).toBe(uidForEmail(EMAIL))
}

/**
 * Names neither proxy can clear by pattern: only letters, digits and `-`, but with `-` doubled or
 * leading (a trailing one is still under the family's `X-User-*`). fxa-gate sees them on the auth
 * request and refuses it.
 */
function unclearable(forged: ForgedCase): boolean {
  return forged.headers.some(
    ([name]) => identityLike(name) && /^[A-Za-z0-9-]+$/.test(name) && /--|^-/.test(name),
  )
}

/**
 * The app gets the request, cleaned; or, for what the proxy cannot clear and requests the fixture
 * says are refused anyway (two Host lines), it sees nothing.
 */
function checkOutcome(forged: ForgedCase, status: number, seen: EchoedRequest[], signedIn: boolean): void {
  if (unclearable(forged) || forged.expect === 'refused') {
    expect(status, 'refused').not.toBe(200)
    expect(seen).toEqual([])
    return
  }
  expect(status).toBe(200)
  expect(seen).toHaveLength(1)
  checkSeen(seen[0]!, signedIn)
}

function describeProxy(
  name: string,
  start: (gate: TestGate, echo: EchoApp) => Promise<{ port: number; stop(): Promise<void> }>,
  env: Record<string, string> = {},
) {
  describe(`${name} with the shipped configuration: no forged identity header reaches the app`, () => {
    let gate: TestGate
    let echo: EchoApp
    let proxy: { port: number; stop(): Promise<void> }
    let cookie: string

    beforeAll(async () => {
      echo = await startEchoApp()
      gate = await startTestGate({
        redisUrl,
        env: { FXA_GATE_PUBLIC_PATHS: '/public/*', FXA_GATE_ALLOWED_REDIRECT_HOSTS: '127.0.0.1', ...env },
      })
      await untilReady(gate.adminUrl)
      proxy = await start(gate, echo)
      const jar = createCookieJar()
      await loginThroughGate(jar, gate.url, EMAIL)
      cookie = jar.cookieHeader(gate.url)
    })
    afterAll(async () => {
      await proxy?.stop()
      await gate?.close()
      await echo?.close()
    })

    it('covers the corpus: every spelling family and the extended legacy list', () => {
      expect(CASES.length).toBeGreaterThanOrEqual(80)
      expect(
        CASES.some(({ forged }) => forged.headers.some(([name]) => name === 'X-Amzn-Oidc-Identity')),
      ).toBe(true)
    })

    for (const who of ['anonymous on a public path', 'signed in on a protected path'] as const) {
      const signedIn = who.startsWith('signed')
      it.each(CASES)(
        `${who}: $forged.threat: $forged.name`,
        async ({ forged, i }: { forged: ForgedCase; i: number }) => {
          // A path of its own per case: nothing is served from nginx's auth cache.
          const path = `${signedIn ? '' : '/public'}/forged/${i}/${signedIn ? 'in' : 'anon'}`
          const before = echo.requests.length
          const bytes = rawRequestOf(forged, {
            host: `127.0.0.1:${proxy.port}`,
            path,
            cookie: signedIn ? cookie : undefined,
          })
          const response = await rawExchange(proxy.port, bytes, {
            untilFirstResponse: true,
            timeoutMs: 10_000,
          })
          const seen = echo.requests.slice(before).filter((request) => request.url === path)
          checkOutcome(forged, response.status, seen, signedIn)
        },
      )
    }
  })
}

describeProxy('ingress-nginx', async (gate, echo) =>
  startNginx({
    ingress: {
      host: '127.0.0.1',
      authUrl: `${gate.url}/_gate/auth/nginx`,
      signinUrl: `${gate.url}/_gate/start`,
    },
    upstream: `127.0.0.1:${echo.port}`,
  }),
)

describeProxy(
  'Caddy',
  async (gate, echo) => startCaddy({ gate: `127.0.0.1:${gate.port}`, upstream: `127.0.0.1:${echo.port}` }),
  { FXA_GATE_TRUSTED_PROXIES: '127.0.0.1/32' },
)

describe('the nginx and Traefik endpoints refuse identity headers their proxy left on the request', () => {
  let gate: TestGate
  beforeAll(async () => {
    gate = await startTestGate({
      redisUrl,
      env: { FXA_GATE_PUBLIC_PATHS: '/public/*', FXA_GATE_TRUSTED_PROXIES: '127.0.0.1/32' },
    })
  })
  afterAll(async () => gate?.close())

  const nginx = (headers: Record<string, string>) =>
    fetch(`${gate.url}/_gate/auth/nginx`, {
      headers: { 'x-original-url': 'http://app.test/public/x', 'x-original-method': 'GET', ...headers },
    })
  const traefik = (headers: Record<string, string>) =>
    fetch(`${gate.url}/_gate/auth/traefik`, {
      headers: { 'x-forwarded-host': 'app.test', 'x-forwarded-uri': '/public/x', ...headers },
    })

  it.each(['X-User-Groups', 'X--User--Id', 'X-Forwarded-User', 'X-Amzn-Oidc-Identity', 'Remote-User'])(
    '%s: 400 FORGED_IDENTITY_HEADER, not an allow the application would read it beside',
    async (name) => {
      for (const ask of [nginx, traefik]) {
        const response = await ask({ [name]: 'forged-admin' })
        expect(response.status).toBe(400)
        expect(((await response.json()) as { error: string }).error).toBe('FORGED_IDENTITY_HEADER')
      }
    },
  )

  it('allows what ingress-nginx itself sets on the auth request (X-Auth-Request-Redirect), and plain requests', async () => {
    expect((await nginx({ 'x-auth-request-redirect': '/public/x' })).status).toBe(200)
    expect((await traefik({})).status).toBe(200)
    expect((await traefik({ 'x-auth-request-redirect': '/public/x' })).status).toBe(400)
  })
})
