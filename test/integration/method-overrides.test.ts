import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { ENVOY_HEADERS_TO_EXT_AUTH } from '../../deploy/examples/headers.ts'
import type { EchoedRequest } from '../../dev/echo-app.ts'
import {
  ADMITTED_CASES,
  FORM_POSTS_WITHOUT_OVERRIDE,
  METHOD_OVERRIDE_CASES,
  OVERRIDE_RULES,
  type OverrideCase,
  rawOverrideRequest,
} from '../fixtures/method-overrides.ts'
import { createCookieJar, loginThroughGate, startTestGate, type TestGate } from '../support/gate.ts'
import { untilReady } from '../support/nginx.ts'
import { type ProxiedApp, REAL_PROXIES, startBehindProxy } from '../support/proxies.ts'
import { type RecordingUpstream, rawExchange, startRecordingUpstream } from '../support/sidecar.ts'
import { stall } from '../support/stalled.ts'

const redisUrl = inject('redisUrl')
const RULES = JSON.stringify(OVERRIDE_RULES)
const APP = 'app.example.com'

/** Each case gets its own path (`/docs/item-3`), so what reached an app is matched to its case. */
function numbered(test: OverrideCase, i: number): OverrideCase {
  return { ...test, target: test.target.replace('/item', `/item-${i}`) }
}

function pathOf(target: string): string {
  const at = target.indexOf('?')
  return at === -1 ? target : target.slice(0, at)
}

async function statusOf(port: number, bytes: string): Promise<number> {
  return (await rawExchange(port, bytes, { untilFirstResponse: true, timeoutMs: 10_000 })).status
}

describe('method overrides through the sidecar', () => {
  let upstream: RecordingUpstream
  let gate: TestGate
  let host: string

  beforeAll(async () => {
    upstream = await startRecordingUpstream()
    gate = await startTestGate({ redisUrl, env: { FXA_GATE_UPSTREAM: upstream.url, FXA_GATE_RULES: RULES } })
    host = `127.0.0.1:${gate.port}`
  })
  afterAll(async () => {
    await gate?.close()
    await upstream?.close()
  })

  const reached = (target: string) => upstream.seen.filter((seen) => pathOf(seen.url) === pathOf(target))

  it('refuses every case of the corpus anonymously; the upstream sees none', async () => {
    for (const [i, test] of METHOD_OVERRIDE_CASES.entries()) {
      const request = numbered(test, i)
      const status = await statusOf(gate.port, rawOverrideRequest(request, host))
      expect([400, 401], `${test.name}: ${status}`).toContain(status)
      expect(reached(request.target), test.name).toEqual([])
    }
  })

  it('admits what the rules admit, and form or JSON posts that name no other method, bodies intact', async () => {
    for (const [i, test] of [...ADMITTED_CASES, ...FORM_POSTS_WITHOUT_OVERRIDE].entries()) {
      const request = numbered(test, 1000 + i)
      expect(await statusOf(gate.port, rawOverrideRequest(request, host)), test.name).toBe(200)
      const seen = reached(request.target)
      expect(seen, test.name).toHaveLength(1)
      expect(seen[0]!.bodyBytes, test.name).toBe(Buffer.byteLength(test.body?.text ?? ''))
    }
  })

  it('counts a form body it cannot read to the end within its limit as naming any method', async () => {
    const padding = `pad=${'x'.repeat(64 * 1024)}`
    for (const [i, text] of [`${padding}&_method=DELETE`, padding].entries()) {
      const target = `/forms/long-${i}`
      const bytes = rawOverrideRequest(
        {
          name: 'long',
          method: 'POST',
          target,
          headers: [],
          body: { type: 'application/x-www-form-urlencoded', text },
        },
        host,
      )
      expect(await statusOf(gate.port, bytes)).toBe(401)
      expect(reached(target)).toEqual([])
    }
  })

  it('answers 408 when the first bytes of a body it must read do not come, and survives a client that leaves', async () => {
    const head = (target: string) =>
      `POST ${target} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n_met`
    const stalled = await rawExchange(gate.port, head('/forms/stalled'), {
      untilFirstResponse: true,
      timeoutMs: 15_000,
    })
    expect(stalled.status).toBe(408)
    await rawExchange(gate.port, head('/forms/left'), { timeoutMs: 200 })
    expect(reached('/forms/stalled')).toEqual([])
    expect(reached('/forms/left')).toEqual([])
    expect(await statusOf(gate.port, rawOverrideRequest(ADMITTED_CASES[0]!, host))).toBe(200)
  })

  it('sends 100 Continue before reading a form body whose _method decides, then answers on what it names', async () => {
    for (const [target, text, status] of [
      ['/forms/continue-plain', 'title=hello', 200],
      ['/forms/continue-delete', '_method=DELETE&title=x', 401],
    ] as const) {
      const client = await stall(
        gate.port,
        `POST ${target} HTTP/1.1\r\nHost: ${host}\r\nAccept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${text.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
      )
      try {
        // A client that waits for the 100 sends nothing before it: without it, only a 408 would come.
        for (let i = 0; i < 100 && !client.received().includes('100 Continue'); i++)
          await new Promise((resolve) => setTimeout(resolve, 50))
        expect(client.received(), target).toBe('HTTP/1.1 100 Continue\r\n\r\n')
        client.socket.write(text)
        const { text: answer } = await client.closed(5_000)
        expect(answer, target).toMatch(new RegExp(`^HTTP/1\\.1 100 Continue\r\n\r\nHTTP/1\\.1 ${status} `))
      } finally {
        client.destroy()
      }
    }
    expect(reached('/forms/continue-plain').map((seen) => seen.bodyBytes)).toEqual(['title=hello'.length])
    expect(reached('/forms/continue-delete')).toEqual([])
  })

  it('streams a long form post of a signed-in user to the upstream intact (the body is peeked, not held)', async () => {
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'ann@example.org')
    const text = `_method=DELETE&pad=${'y'.repeat(3 * 1024 * 1024)}`
    const response = await fetch(`${gate.url}/forms/big`, {
      method: 'POST',
      body: text,
      headers: { cookie: jar.cookieHeader(gate.url), 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(response.status).toBe(200)
    expect(((await response.json()) as { bodyBytes: number }).bodyBytes).toBe(text.length)
  })
})

/** What each proxy sends fxa-gate for a client request: its check request, client headers included. */
const checks = {
  nginx: (test: OverrideCase) => ({
    path: '/_gate/auth/nginx',
    method: 'GET',
    headers: [
      ...clientHeaders(test),
      ['X-Original-URL', `https://${APP}${test.target}`],
      ['X-Original-Method', test.method],
    ],
  }),
  traefik: (test: OverrideCase) => ({
    path: '/_gate/auth/traefik',
    method: 'GET',
    headers: [
      ...clientHeaders(test),
      ['X-Forwarded-Method', test.method],
      ['X-Forwarded-Proto', 'https'],
      ['X-Forwarded-Host', APP],
      ['X-Forwarded-Uri', test.target],
    ],
  }),
  // Envoy passes only the headers its configuration allows (the example's headersToExtAuth).
  envoy: (test: OverrideCase) => ({
    path: `/_gate/auth/envoy${test.target}`,
    method: test.method,
    headers: clientHeaders(test).filter(([name]) => ENVOY_HEADERS_TO_EXT_AUTH.includes(name.toLowerCase())),
  }),
}

function clientHeaders(test: OverrideCase): [string, string][] {
  const lines: [string, string][] = test.headers.map(([name, value]) => [name, value])
  if (test.body?.type !== undefined) lines.push(['Content-Type', test.body.type])
  return lines
}

/** Envoy cannot pass what its allow-list does not name; Envoy Gateway refuses names with `_` itself. */
const envoyCanPass = (test: OverrideCase) =>
  test.headers.every(([name]) => ENVOY_HEADERS_TO_EXT_AUTH.includes(name.toLowerCase()))

describe.each(['nginx', 'traefik', 'envoy'] as const)('method overrides on /_gate/auth/%s', (endpoint) => {
  let gate: TestGate

  beforeAll(async () => {
    gate = await startTestGate({
      redisUrl,
      env: { FXA_GATE_RULES: RULES, FXA_GATE_TRUSTED_PROXIES: '127.0.0.1/32' },
    })
    await untilReady(gate.adminUrl)
  })
  afterAll(() => gate?.close())

  async function ask(test: OverrideCase): Promise<number> {
    const check = checks[endpoint](test)
    const lines = [
      `${check.method} ${check.path} HTTP/1.1`,
      endpoint === 'envoy' ? `Host: ${APP}` : `Host: 127.0.0.1:${gate.port}`,
      ...check.headers.map(([name, value]) => `${name}: ${value}`),
      'Accept: application/json',
      'Connection: close',
      '',
      '',
    ]
    return statusOf(gate.port, lines.join('\r\n'))
  }

  it('never allows a case of the corpus anonymously', async () => {
    for (const test of METHOD_OVERRIDE_CASES) {
      if (endpoint === 'envoy' && !envoyCanPass(test)) continue
      expect([400, 401], test.name).toContain(await ask(test))
    }
  })

  it('allows what the rules admit', async () => {
    for (const test of ADMITTED_CASES) expect(await ask(test), test.name).toBe(200)
  })

  it('never sees a body, so a form or JSON post to a POST-only public rule needs a login', async () => {
    for (const test of FORM_POSTS_WITHOUT_OVERRIDE) expect(await ask(test), test.name).toBe(401)
  })
})

/** Whether an app received a case with the override it carries (a proxy may have dropped a header). */
function arrivedWithOverride(test: OverrideCase, seen: EchoedRequest): boolean {
  if (test.headers.length === 0) return true
  const sent = new Set(test.headers.map(([name]) => name.toLowerCase()))
  return seen.rawHeaders.some((name, i) => i % 2 === 0 && sent.has(name.toLowerCase()))
}

describe.each(REAL_PROXIES)('method overrides through %s', (_name, proxyKind) => {
  let app: ProxiedApp

  beforeAll(async () => {
    app = await startBehindProxy(proxyKind, { redisUrl, env: { FXA_GATE_RULES: RULES } })
  })
  afterAll(() => app?.close())

  const arrived = (target: string) => app.echo.requests.filter((seen) => pathOf(seen.url) === pathOf(target))

  it('lets no case reach the app anonymously with its override', async () => {
    for (const [i, test] of METHOD_OVERRIDE_CASES.entries()) {
      const request = numbered(test, i)
      await statusOf(app.proxy.port, rawOverrideRequest(request, `127.0.0.1:${app.proxy.port}`))
      const bypassed = arrived(request.target).filter((seen) => arrivedWithOverride(test, seen))
      expect(
        bypassed.map((seen) => `${seen.method} ${seen.url}`),
        test.name,
      ).toEqual([])
    }
  })

  it('still lets what the rules admit reach the app', async () => {
    for (const [i, test] of ADMITTED_CASES.entries()) {
      const request = numbered(test, 2000 + i)
      const status = await statusOf(
        app.proxy.port,
        rawOverrideRequest(request, `127.0.0.1:${app.proxy.port}`),
      )
      expect(status, test.name).toBe(200)
      expect(arrived(request.target), test.name).toHaveLength(1)
    }
  })
})
