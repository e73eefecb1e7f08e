import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { FORGED_CASES, rawRequestOf } from '../../fixtures/forged-headers.ts'
import { HOST_CASES, UNSENDABLE } from '../../fixtures/hosts.ts'
import { METHOD_OVERRIDE_CASES, OVERRIDE_RULES, rawOverrideRequest } from '../../fixtures/method-overrides.ts'
import { PATH_TRICK_PUBLIC_PATHS, PATH_TRICKS, PUBLIC_TARGETS } from '../../fixtures/path-tricks.ts'
import { createCookieJar, loginThroughGate, startTestGate, type TestGate } from '../../support/gate.ts'
import { type RecordingUpstream, rawExchange, startRecordingUpstream } from '../../support/sidecar.ts'

const redisUrl = inject('redisUrl')
const APP = 'app.example.com'

/** One gate with its own upstream: the fast path on in one pair, off in the other. */
interface Side {
  readonly gate: TestGate
  readonly upstream: RecordingUpstream
}

/** What the client and the upstream saw of one request, with what differs by nature taken out. */
interface Outcome {
  readonly status: number
  readonly answer: string[]
  readonly upstream: string[] | null
}

// Answer headers compared; the rest (date, request ids, lengths of bodies naming them) differ anyway.
const ANSWER_HEADERS =
  /^(location|www-authenticate|cache-control|vary|retry-after|x-user-[a-z-]+|x-auth-request-[a-z-]+|x-envoy-auth-headers-to-remove|connection)$/i
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

function normalised(name: string, value: string, port: number): string {
  const lower = name.toLowerCase()
  // Each gate signs its own assertion (another key, another jti) and names its own public URL.
  if (lower.endsWith('-assertion')) return `${lower}: <assertion>`
  if (lower === 'x-request-id' && UUID.test(value)) return `${lower}: <generated>`
  return `${name}: ${value.replaceAll(String(port), '<port>')}`
}

async function exchange(side: Side, bytes: string | Buffer): Promise<Outcome> {
  const before = side.upstream.seen.length
  const response = await rawExchange(side.gate.port, bytes, { untilFirstResponse: true, timeoutMs: 10_000 })
  // The upstream records a request once it has read it whole, before it answers.
  const seen = side.upstream.seen.slice(before)
  const head = response.text.split('\r\n\r\n', 1)[0]!.split('\r\n').slice(1)
  const answer = head
    .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()] as const)
    .filter(([name]) => ANSWER_HEADERS.test(name))
    .map(([name, value]) => normalised(name.toLowerCase(), value, side.gate.port))
  const upstream =
    seen.length === 0
      ? null
      : seen.flatMap((request) => [
          `${request.method} ${request.url} (${request.bodyBytes} body bytes)`,
          ...request.rawHeaders.flatMap((value, i) =>
            i % 2 === 0 ? [] : [normalised(request.rawHeaders[i - 1]!, value, side.gate.port)],
          ),
        ])
  return { status: response.status, answer, upstream }
}

function fastPathCount(metrics: string, endpoint: string): number {
  const match = new RegExp(`fxa_gate_fast_path_requests_total\\{endpoint="${endpoint}"\\} (\\d+)`).exec(
    metrics,
  )
  return Number(match?.[1] ?? 0)
}

describe('the fast path decides and forwards exactly as fastify’s routes do', () => {
  let fast: Side
  let slow: Side
  let cookie: string

  beforeAll(async () => {
    const env = {
      FXA_GATE_PUBLIC_PATHS: PATH_TRICK_PUBLIC_PATHS.join(','),
      FXA_GATE_RULES: JSON.stringify([
        ...OVERRIDE_RULES,
        { paths: ['/admin/*'], allowedDomains: ['corp.example'] },
      ]),
      // One store, one set of secrets: a session made through one gate is valid at the other.
      FXA_GATE_REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}:`,
      FXA_GATE_ALLOWED_REDIRECT_HOSTS: APP,
    }
    const cookieSecrets = randomBytes(32).toString('hex')
    const fastUpstream = await startRecordingUpstream()
    const fastGate = await startTestGate({
      redisUrl,
      cookieSecrets,
      env: { ...env, FXA_GATE_UPSTREAM: fastUpstream.url },
    })
    fast = { gate: fastGate, upstream: fastUpstream }
    const slowUpstream = await startRecordingUpstream()
    const slowGate = await startTestGate({
      redisUrl,
      cookieSecrets,
      fxa: fastGate.fxa,
      fastPath: false,
      env: { ...env, FXA_GATE_UPSTREAM: slowUpstream.url },
    })
    slow = { gate: slowGate, upstream: slowUpstream }
    const jar = createCookieJar()
    await loginThroughGate(jar, fastGate.url, 'ann@corp.example')
    const name = fastGate.config.cookie.sessionName
    cookie = `${name}=${new RegExp(`(?:^|; )${name}=([^;]+)`).exec(jar.cookieHeader(fastGate.url))![1]}`
    // Both gates hold the session in their local cache (the fast path needs it there).
    for (const side of [fast, slow])
      await exchange(
        side,
        `GET /warm HTTP/1.1\r\nHost: ${APP}\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`,
      )
  })
  afterAll(async () => {
    for (const side of [fast, slow]) {
      await side?.gate.close()
      await side?.upstream.close()
    }
  })

  /** Sends the same bytes to both gates and expects the same outcome; returns it. */
  async function same(bytes: string | Buffer): Promise<Outcome> {
    const viaFast = await exchange(fast, bytes)
    const viaSlow = await exchange(slow, bytes)
    expect(viaFast, String(bytes)).toEqual(viaSlow)
    return viaFast
  }

  const sessionOrNot = [
    ['with a session', () => `Cookie: ${cookie}\r\n`],
    ['anonymous', () => ''],
  ] as const

  it('the host corpus, through the sidecar and the nginx endpoint', async () => {
    for (const { host } of HOST_CASES.filter((test) => !UNSENDABLE.test(test.host))) {
      for (const [, withCookie] of sessionOrNot) {
        await same(`GET /private/h HTTP/1.1\r\nHost: ${host}\r\n${withCookie()}Connection: close\r\n\r\n`)
        await same(
          `GET /_gate/auth/nginx HTTP/1.1\r\nHost: gate.internal\r\nX-Original-URL: http://${host}/private/h\r\nX-Original-Method: GET\r\n${withCookie()}Connection: close\r\n\r\n`,
        )
      }
    }
  })

  it('the path tricks and public targets, through the sidecar and the nginx endpoint', async () => {
    let forwarded = 0
    for (const path of [...PATH_TRICKS, ...PUBLIC_TARGETS]) {
      for (const [, withCookie] of sessionOrNot) {
        const outcome = await same(
          `GET ${path} HTTP/1.1\r\nHost: ${APP}\r\n${withCookie()}Connection: close\r\n\r\n`,
        )
        if (outcome.upstream !== null) forwarded++
        if (!path.startsWith('/')) continue
        await same(
          `GET /_gate/auth/nginx?host=${APP} HTTP/1.1\r\nHost: gate.internal\r\nX-Original-URL: http://${APP}${path}\r\nX-Original-Method: GET\r\n${withCookie()}Connection: close\r\n\r\n`,
        )
      }
    }
    expect(forwarded).toBeGreaterThan(50)
  })

  it('the forged-header corpus, through the sidecar', async () => {
    for (const forged of FORGED_CASES) {
      for (const [, withCookie] of sessionOrNot) {
        const bytes = rawRequestOf(forged, {
          host: APP,
          path: withCookie() === '' ? '/public/forged' : '/private/forged',
          cookie: withCookie() === '' ? undefined : cookie,
        })
        await same(
          bytes.includes('Connection: close') ? bytes : bytes.replace('\r\n', '\r\nConnection: close\r\n'),
        )
      }
    }
  })

  it('the method-override corpus, through the sidecar', async () => {
    for (const test of METHOD_OVERRIDE_CASES) {
      for (const [, withCookie] of sessionOrNot) {
        const extra = withCookie() === '' ? [] : [`Cookie: ${cookie}`]
        await same(rawOverrideRequest(test, APP, extra))
      }
    }
  })

  it('took the fast path on one gate for many of them, and never on the other', async () => {
    const fastMetrics = await (await fetch(`${fast.gate.adminUrl}/metrics`)).text()
    const slowMetrics = await (await fetch(`${slow.gate.adminUrl}/metrics`)).text()
    expect(fastPathCount(fastMetrics, 'sidecar')).toBeGreaterThan(100)
    expect(fastPathCount(fastMetrics, 'nginx')).toBeGreaterThan(50)
    expect(fastPathCount(slowMetrics, 'sidecar') + fastPathCount(slowMetrics, 'nginx')).toBe(0)
    // The decisions counted are the same: nothing decided twice on the fast gate.
    const decisions = (metrics: string) =>
      metrics.split('\n').filter((line) => line.startsWith('fxa_gate_decisions_total'))
    expect(decisions(fastMetrics)).toEqual(decisions(slowMetrics))
  })
})
