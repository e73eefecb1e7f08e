import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type FakeFxa, uidForEmail } from '../../dev/fake-fxa/index.ts'
import { createCookieJar, distinctPorts, gateEnv, loginThroughGate, startTestFxa } from '../support/gate.ts'
import { type GateProcess, type LogLine, metricValue, startGateProcess } from '../support/gate-process.ts'
import { exactRequest } from '../support/nginx.ts'
import { type RecordingUpstream, startRecordingUpstream } from '../support/sidecar.ts'

const redisUrl = inject('redisUrl')
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`

function header(raw: readonly string[], name: string): string[] {
  const values: string[] = []
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) values.push(raw[i + 1]!)
  return values
}

describe('request ids, trace context, logs and request metrics (fxa-gate in its own process)', () => {
  let fxa: FakeFxa
  let upstream: RecordingUpstream
  let gate: GateProcess
  let cookie: string
  let port: number

  beforeAll(async () => {
    upstream = await startRecordingUpstream()
    const [gatePort, adminPort] = await distinctPorts(2)
    port = gatePort!
    fxa = await startTestFxa([port])
    gate = await startGateProcess(
      gateEnv(fxa, port, adminPort!, {
        redisUrl,
        env: {
          FXA_GATE_UPSTREAM: upstream.url,
          FXA_GATE_RULES: JSON.stringify([{ paths: ['/admin/*'], allowedEmails: ['boss@example.org'] }]),
          FXA_GATE_LOG_LEVEL: 'info',
        },
      }),
    )
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'ann@example.org')
    cookie = jar.cookieHeader(gate.url)
  }, 60_000)

  afterAll(async () => {
    await gate?.kill()
    await fxa?.close()
    await upstream?.close()
  })

  const lineWith = (reqId: string) => gate.waitForLog((line) => line['reqId'] === reqId)

  it('keeps a well-formed X-Request-Id and passes it, traceparent and tracestate to the app', async () => {
    const response = await fetch(`${gate.url}/app/with-id`, {
      headers: { cookie, 'x-request-id': 'client-id-123', traceparent: TRACEPARENT, tracestate: 'vendor=1' },
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('x-request-id')).toBe('client-id-123')
    const seen = upstream.seenWith('/app/with-id').at(-1)!
    expect(header(seen.rawHeaders, 'x-request-id')).toEqual(['client-id-123'])
    expect(header(seen.rawHeaders, 'traceparent')).toEqual([TRACEPARENT])
    expect(header(seen.rawHeaders, 'tracestate')).toEqual(['vendor=1'])
  })

  it('generates an id when none, or a malformed or overlong one, came, and sends that one on', async () => {
    for (const given of [undefined, 'x'.repeat(129), 'caf\u00e9']) {
      const marker = `/app/generated-${given?.length ?? 0}`
      const response = await fetch(`${gate.url}${marker}`, {
        headers: { cookie, ...(given === undefined ? {} : { 'x-request-id': given }) },
      })
      expect(response.status).toBe(200)
      const id = response.headers.get('x-request-id')!
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      expect(header(upstream.seenWith(marker).at(-1)!.rawHeaders, 'x-request-id')).toEqual([id])
    }
  })

  it('drops a malformed traceparent (and its tracestate) rather than pass on what the app cannot parse', async () => {
    await fetch(`${gate.url}/app/bad-trace`, {
      headers: { cookie, traceparent: '00-not-a-trace-01', tracestate: 'vendor=1' },
    })
    const seen = upstream.seenWith('/app/bad-trace').at(-1)!
    expect(header(seen.rawHeaders, 'traceparent')).toEqual([])
    expect(header(seen.rawHeaders, 'tracestate')).toEqual([])
  })

  it('logs a denial once, with the request and trace ids, host and path but never the query', async () => {
    const response = await fetch(`${gate.url}/private/page?token=leak-me&x=1`, {
      headers: { accept: 'application/json', 'x-request-id': 'deny-me-42', traceparent: TRACEPARENT },
    })
    expect(response.status).toBe(401)
    expect(response.headers.get('x-request-id')).toBe('deny-me-42')
    expect(await response.json()).toMatchObject({ error: 'UNAUTHENTICATED', reference: 'deny-me-42' })
    const line = await lineWith('deny-me-42')
    expect(line).toMatchObject({
      msg: 'request',
      level: 'info',
      reqId: 'deny-me-42',
      traceId: TRACE_ID,
      endpoint: 'sidecar',
      method: 'GET',
      host: `127.0.0.1:${port}`,
      path: '/private/page',
      status: 401,
      decision: 'unauthenticated',
    })
    expect(typeof line['durationMs']).toBe('number')
    expect(JSON.stringify(gate.logs())).not.toContain('leak-me')
    expect(gate.logs().filter((l) => l['reqId'] === 'deny-me-42')).toHaveLength(1)
  })

  it('logs the uid, host, path and the rule that refused on the forbidden line', async () => {
    const response = await fetch(`${gate.url}/admin/panel?q=secret`, {
      headers: { cookie, 'x-request-id': 'forbid-1' },
    })
    expect(response.status).toBe(403)
    expect(await lineWith('forbid-1')).toMatchObject({
      msg: 'request refused',
      code: 'FORBIDDEN',
      detail: 'email not allowed',
      source: 'rules[0]',
      uid: uidForEmail('ann@example.org'),
      host: `127.0.0.1:${port}`,
      path: '/admin/panel',
      status: 403,
    })
  })

  it('logs a refusal with the host and path it was about, not the route pattern', async () => {
    const response = await fetch(`${gate.url}/some/where?a=b`, {
      headers: { cookie, 'x-http-method-override': 'not a method!', 'x-request-id': 'refuse-1' },
    })
    expect(response.status).toBe(400)
    const line = await lineWith('refuse-1')
    expect(line).toMatchObject({ msg: 'request refused', code: 'BAD_REQUEST', path: '/some/where' })
    expect(line['url']).toBeUndefined()
    expect(JSON.stringify(line)).not.toContain('/*')
  })

  it('puts the ids on lines that modules log with their own logger while handling the request', async () => {
    const response = await fetch(`${gate.url}/_gate/events/fxa`, {
      method: 'POST',
      headers: { authorization: 'Bearer not.a.jwt', 'x-request-id': 'event-9', traceparent: TRACEPARENT },
    })
    expect(response.status).toBe(401)
    const line = await gate.waitForLog((l) => l.msg === 'account event refused' && l['reqId'] === 'event-9')
    expect(line['traceId']).toBe(TRACE_ID)
  })

  it('puts the request id on error pages as their reference', async () => {
    const page = await exactRequest(port, '/_gate/nowhere', {
      accept: 'text/html',
      'sec-fetch-mode': 'navigate',
      'x-request-id': 'page-ref-7',
    })
    expect(page.status).toBe(404)
    // The page in the browser's language (English here) quotes the id the proxy or client gave.
    expect(page.body).toContain('Reference: page-ref-7')
  })

  it('answers forward-auth with the request id, so nginx can log it', async () => {
    const answer = await exactRequest(port, '/_gate/auth/nginx', {
      'x-original-url': `http://127.0.0.1:${port}/x`,
      'x-request-id': 'nginx-req-9',
    })
    expect(answer.status).toBe(401)
    expect(answer.headers['x-request-id']).toBe('nginx-req-9')
  })

  it('counts the 401s by endpoint and status, and never logs allowed requests by default', async () => {
    await fetch(`${gate.url}/app/allowed-quietly`, { headers: { cookie, 'x-request-id': 'allowed-1' } })
    const text = await (await fetch(`${gate.adminUrl}/metrics`)).text()
    expect(metricValue(text, 'fxa_gate_http_requests_total', { endpoint: 'nginx', code: '401' })).toBe(1)
    expect(metricValue(text, 'fxa_gate_http_requests_total', { endpoint: 'sidecar', code: '401' })).toBe(1)
    expect(metricValue(text, 'fxa_gate_http_requests_total', { endpoint: 'callback', code: '302' })).toBe(1)
    expect(metricValue(text, 'fxa_gate_http_requests_total', { endpoint: 'other', code: '404' })).toBe(1)
    expect(
      metricValue(text, 'fxa_gate_decisions_total', { endpoint: 'nginx', result: 'unauthenticated' }),
    ).toBe(1)
    expect(metricValue(text, 'fxa_gate_decisions_total', { endpoint: 'sidecar', result: 'forbidden' })).toBe(
      1,
    )
    expect(
      metricValue(text, 'fxa_gate_http_request_duration_seconds_count', { endpoint: 'sidecar', code: '200' }),
    ).toBeGreaterThanOrEqual(5)
    expect(
      metricValue(text, 'fxa_gate_dependency_request_duration_seconds_count', {
        dependency: 'upstream',
        operation: 'request',
      }),
    ).toBeGreaterThanOrEqual(5)
    expect(
      metricValue(text, 'fxa_gate_dependency_request_duration_seconds_count', {
        dependency: 'fxa',
        operation: 'token',
      }),
    ).toBe(1)
    expect(
      metricValue(text, 'fxa_gate_dependency_request_duration_seconds_count', {
        dependency: 'redis',
        operation: 'create',
      }),
    ).toBe(1)
    for (const dependency of ['redis', 'fxa', 'upstream'])
      expect(metricValue(text, 'fxa_gate_dependency_up', { dependency })).toBe(1)
    expect(metricValue(text, 'fxa_gate_build_info', { node: process.versions.node })).toBe(1)
    expect(metricValue(text, 'fxa_gate_http_requests_in_flight')).toBe(0)
    expect(gate.logs().some((line: LogLine) => line['reqId'] === 'allowed-1')).toBe(false)
  })

  it('exports the runtime metrics under their standard names', async () => {
    const text = await (await fetch(`${gate.adminUrl}/metrics`)).text()
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
    ])
      expect(text).toMatch(new RegExp(`^${name} `, 'm'))
    expect(text).not.toContain('fxa_gate_process_')
  })
})

describe('error lines keep their cause', () => {
  it('says which class and code made discovery fail', async () => {
    const [gatePort, adminPort, closed] = await distinctPorts(3)
    const gate = await startGateProcess(
      {
        FXA_GATE_ISSUER: `http://127.0.0.1:${closed}`,
        FXA_GATE_CLIENT_ID: 'c',
        FXA_GATE_PUBLIC_URL: `http://127.0.0.1:${gatePort}`,
        FXA_GATE_LISTEN: `127.0.0.1:${gatePort}`,
        FXA_GATE_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
        FXA_GATE_COOKIE_SECURE: 'false',
        FXA_GATE_COOKIE_SECRETS: 'k'.repeat(40),
      },
      { waitForDependencies: false },
    )
    try {
      const line = await gate.waitForLog((l) => l.msg === 'discovery failed; retrying in 5s')
      expect(line).toMatchObject({
        code: 'PROVIDER_UNAVAILABLE',
        causeClass: 'TypeError',
        causeCode: 'ECONNREFUSED',
      })
      // Readiness does not wait for the provider; /healthz?verbose tells.
      expect((await fetch(`${gate.adminUrl}/readyz`)).status).toBe(200)
      const verbose = await (await fetch(`${gate.adminUrl}/healthz?verbose`)).json()
      expect(verbose).toMatchObject({
        checks: { discovery: 'not loaded' },
        dependencies: { fxa: { up: false } },
      })
    } finally {
      await gate.kill()
    }
  })
})
