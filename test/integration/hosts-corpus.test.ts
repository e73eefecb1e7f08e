import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { parseAuthority } from '../../src/decision/authority.ts'
import { HOST_CASES, type HostCase, UNSENDABLE } from '../fixtures/hosts.ts'
import { startTestGate, type TestGate } from '../support/gate.ts'
import { untilReady } from '../support/nginx.ts'
import { type ProxiedApp, REAL_PROXIES, startBehindProxy } from '../support/proxies.ts'
import { type RecordingUpstream, rawExchange, startRecordingUpstream } from '../support/sidecar.ts'

const redisUrl = inject('redisUrl')
const CASES = HOST_CASES.filter((test) => !UNSENDABLE.test(test.host))

/** Whether the value is a host once an HTTP parser has trimmed the white space around it. */
const validOnTheWire = (test: HostCase) => test.valid || test.trimmed === true

/** One request written byte for byte: header values go out as Latin-1, as a hostile client sends them. */
async function send(
  port: number,
  requestLine: string,
  headers: readonly [string, string][],
): Promise<number> {
  const head = [
    requestLine,
    ...headers.map(([name, value]) => `${name}: ${value}`),
    'Connection: close',
    '',
    '',
  ]
  const response = await rawExchange(port, Buffer.from(head.join('\r\n'), 'latin1'), {
    untilFirstResponse: true,
    timeoutMs: 10_000,
  })
  return response.status
}

describe('the host corpus through the sidecar', () => {
  let upstream: RecordingUpstream
  let gate: TestGate

  beforeAll(async () => {
    upstream = await startRecordingUpstream()
    gate = await startTestGate({
      redisUrl,
      env: { FXA_GATE_UPSTREAM: upstream.url, FXA_GATE_PUBLIC_PATHS: '/public/*' },
    })
  })
  afterAll(async () => {
    await gate?.close()
    await upstream?.close()
  })

  it(`has at least 100 sendable cases (${CASES.length})`, () =>
    expect(CASES.length).toBeGreaterThanOrEqual(100))

  it('answers 400 for every value that is no host, and decides on the others', async () => {
    for (const [i, test] of CASES.entries()) {
      const label = JSON.stringify(test.host)
      const protectedStatus = await send(gate.port, `GET /secret-${i} HTTP/1.1`, [['Host', test.host]])
      expect(protectedStatus, label).toBe(validOnTheWire(test) ? 401 : 400)
      const publicStatus = await send(gate.port, `GET /public/p-${i} HTTP/1.1`, [['Host', test.host]])
      expect(publicStatus, label).toBe(validOnTheWire(test) ? 200 : 400)
    }
    expect(upstream.seen.filter((request) => request.url.startsWith('/secret-'))).toEqual([])
    expect(upstream.seen.filter((request) => request.url.startsWith('/public/p-')).length).toBe(
      CASES.filter(validOnTheWire).length,
    )
  })

  it('forwards the canonical host the decision was made on', async () => {
    for (const test of CASES.filter((test) => test.valid && test.canonical !== undefined)) {
      await send(gate.port, `GET /public/canonical HTTP/1.1`, [['Host', test.host]])
      const seen = upstream.seen.at(-1)!
      const host = seen.rawHeaders[seen.rawHeaders.findIndex((name) => name.toLowerCase() === 'host') + 1]
      expect(host, test.host).toBe(test.canonical)
    }
  })
})

describe('the host corpus on every forward-auth endpoint', () => {
  let gate: TestGate

  beforeAll(async () => {
    gate = await startTestGate({
      redisUrl,
      env: { FXA_GATE_PUBLIC_PATHS: '/public/*', FXA_GATE_TRUSTED_PROXIES: '127.0.0.1/32' },
    })
    await untilReady(gate.adminUrl)
  })
  afterAll(() => gate?.close())

  const own = () => `127.0.0.1:${gate.port}`
  const json: [string, string] = ['Accept', 'application/json']

  it('envoy (:authority in Host): 400 for every value that is no host, 401 on a protected path otherwise', async () => {
    for (const test of CASES) {
      const status = await send(gate.port, 'GET /_gate/auth/envoy/secret HTTP/1.1', [
        ['Host', test.host],
        json,
      ])
      expect(status, JSON.stringify(test.host)).toBe(validOnTheWire(test) ? 401 : 400)
    }
  })

  it('traefik (X-Forwarded-Host from a trusted peer): the same', async () => {
    for (const test of CASES) {
      const status = await send(gate.port, 'GET /_gate/auth/traefik HTTP/1.1', [
        ['Host', own()],
        ['X-Forwarded-Method', 'GET'],
        ['X-Forwarded-Proto', 'https'],
        ['X-Forwarded-Host', test.host],
        ['X-Forwarded-Uri', '/secret'],
        json,
      ])
      expect(status, JSON.stringify(test.host)).toBe(validOnTheWire(test) ? 401 : 400)
    }
  })

  it('nginx (the host inside X-Original-URL): the same', async () => {
    for (const test of CASES) {
      const status = await send(gate.port, 'GET /_gate/auth/nginx HTTP/1.1', [
        ['Host', own()],
        ['X-Original-URL', `https://${test.host}/secret`],
        ['X-Original-Method', 'GET'],
        json,
      ])
      // X-Original-URL is one string: a `/` in the Host moves the rest into the path, and cannot be
      // told apart. nginx refuses such a Host itself (the real-nginx run below covers it).
      if (test.host.includes('/')) continue
      // Inside the URL no white space is trimmed.
      expect(status, JSON.stringify(test.host)).toBe(test.valid ? 401 : 400)
    }
  })
})

describe.each(REAL_PROXIES)('the host corpus through %s', (_name, proxyKind) => {
  let app: ProxiedApp
  let echo: ProxiedApp['echo']
  let proxy: ProxiedApp['proxy']

  beforeAll(async () => {
    app = await startBehindProxy(proxyKind, { redisUrl, env: { FXA_GATE_PUBLIC_PATHS: '/public/*' } })
    ;({ echo, proxy } = app)
  })
  afterAll(() => app?.close())

  it('lets no case reach a protected path, and a public one only on a host that is the proxy’s own', async () => {
    echo.requests.length = 0
    for (const [i, test] of CASES.entries()) {
      // Origin-form (routed by Host) and absolute-form (routed by the request line's host).
      for (const target of [`/secret-${i}`, `http://127.0.0.1:${proxy.port}/secret-${i}`, `/public/p-${i}`])
        await send(proxy.port, `GET ${target} HTTP/1.1`, [['Host', test.host]])
      await send(proxy.port, `GET http://127.0.0.1:${proxy.port}/public/q-${i} HTTP/1.1`, [
        ['Host', test.host],
      ])
    }
    expect(echo.requests.filter((request) => request.url.includes('/secret-'))).toEqual([])
    // Whatever reached the app carries a Host that is a host, and the one the proxy serves (Go reads
    // an absolute-form request line's host instead of the Host header, nginx the Host header).
    for (const request of echo.requests) {
      const host = String(request.headers.host)
      expect(parseAuthority(host, 'http').hostname, `${request.url} with Host ${JSON.stringify(host)}`).toBe(
        '127.0.0.1',
      )
    }
    expect(echo.requests.length).toBeGreaterThan(0)
  })

  it('still serves the public path on its own host (the corpus is refused, not everything)', async () => {
    const status = await send(proxy.port, 'GET /public/own HTTP/1.1', [['Host', `127.0.0.1:${proxy.port}`]])
    expect(status).toBe(200)
  })
})
