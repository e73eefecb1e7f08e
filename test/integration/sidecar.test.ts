import { generateKeyPairSync } from 'node:crypto'
import { createServer, type Server } from 'node:net'
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createCookieJar, loginThroughGate, startTestGate, type TestGate } from '../support/gate.ts'
import { freePort } from '../support/ports.ts'
import {
  type RecordingUpstream,
  rawExchange,
  type SeenRequest,
  startRecordingUpstream,
} from '../support/sidecar.ts'

const redisUrl = inject('redisUrl')
const RULES = JSON.stringify([
  { paths: ['/docs/*'], methods: ['GET'], access: 'public' },
  { paths: ['/staff/*'], allowedDomains: ['mozilla.com'] },
])

function header(request: SeenRequest, name: string): string[] {
  const values: string[] = []
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    if (request.rawHeaders[i]!.toLowerCase() === name) values.push(request.rawHeaders[i + 1]!)
  }
  return values
}

async function sessionOf(gate: TestGate, email: string): Promise<string> {
  const jar = createCookieJar()
  await loginThroughGate(jar, gate.url, email)
  const name = gate.config.cookie.sessionName
  return `${name}=${new RegExp(`(?:^|; )${name}=([^;]+)`).exec(jar.cookieHeader(gate.url))![1]}`
}

function pem(): { privateKey: string; publicKey: string } {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return {
    privateKey: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKey: pair.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  }
}

describe('sidecar: every request goes through decide()', () => {
  let upstream: RecordingUpstream
  let gate: TestGate
  let session: string

  beforeAll(async () => {
    upstream = await startRecordingUpstream()
    gate = await startTestGate({
      redisUrl,
      env: { FXA_GATE_UPSTREAM: upstream.url, FXA_GATE_PUBLIC_PATHS: '/public/*', FXA_GATE_RULES: RULES },
    })
    session = await sessionOf(gate, 'ann@example.org')
  })
  afterAll(async () => {
    await gate?.close()
    await upstream?.close()
  })

  it('proxies a signed-in request with the identity headers, keeping path and query as sent', async () => {
    const response = await fetch(`${gate.url}/app/a%20b/?x=1&x=2&flag&y=%2F`, {
      headers: { cookie: session },
    })
    expect(response.status).toBe(200)
    const seen = (await response.json()) as SeenRequest
    expect(seen.url).toBe('/app/a%20b/?x=1&x=2&flag&y=%2F')
    expect(header(seen, 'x-user-email')).toEqual(['ann@example.org'])
    expect(header(seen, 'x-user-id')[0]).toMatch(/^[0-9a-f]{32}$/)
  })

  it("never lets the upstream set fxa-gate's own cookies, and passes its other cookies", async () => {
    const { sessionName, loginName } = gate.config.cookie
    const url = `${gate.url}/app/set-cookie?name=${sessionName}&name=theme&name=${loginName}`
    const response = await fetch(url, { headers: { cookie: session } })
    expect(response.status).toBe(200)
    const cookies = response.headers.getSetCookie()
    expect(cookies).toEqual(['theme=planted; Path=/'])
  })

  it('sends a browser navigation without a session to the login, with the URL to come back to', async () => {
    // fetch() sends its own Sec-Fetch-Mode (cors): a browser's navigation is written out by hand.
    const response = await rawExchange(
      gate.port,
      `GET /app/page?q=1 HTTP/1.1\r\nHost: 127.0.0.1:${gate.port}\r\nSec-Fetch-Mode: navigate\r\nAccept: text/html\r\n\r\n`,
      { untilFirstResponse: true },
    )
    expect(response.status).toBe(302)
    const location = new URL(/\r\nlocation: ([^\r]+)/i.exec(response.text)![1]!)
    expect(location.pathname).toBe('/_gate/start')
    expect(location.searchParams.get('rd')).toBe(`${gate.url}/app/page?q=1`)
    expect(upstream.seenWith('/app/page')).toEqual([])
  })

  it('answers an API call without a session with 401 JSON and the login URL', async () => {
    const response = await fetch(`${gate.url}/api/thing`, {
      method: 'POST',
      body: 'x',
      headers: { 'content-type': 'text/plain' },
    })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toContain('Bearer')
    expect(await response.json()).toMatchObject({
      error: 'UNAUTHENTICATED',
      loginUrl: expect.stringContaining('/_gate/start?rd='),
    })
    expect(upstream.seenWith('/api/thing')).toEqual([])
  })

  it('answers 403 when the rule is not met, without proxying', async () => {
    const response = await fetch(`${gate.url}/staff/area`, { headers: { cookie: session } })
    expect(response.status).toBe(403)
    expect(upstream.seenWith('/staff/area')).toEqual([])
  })

  it('passes public paths without a session, with forged identity headers stripped', async () => {
    const response = await fetch(`${gate.url}/public/page`, {
      headers: { 'x-user-id': 'forged', X_User_Email: 'forged@evil.test' },
    })
    expect(response.status).toBe(200)
    const seen = (await response.json()) as SeenRequest
    expect(seen.rawHeaders.filter((name, i) => i % 2 === 0 && /^x.user/i.test(name))).toEqual([])
  })

  it('decides on the method-override readings too (public GET, protected DELETE)', async () => {
    expect((await fetch(`${gate.url}/docs/a`)).status).toBe(200)
    const overridden = await fetch(`${gate.url}/docs/a`, { headers: { 'x-http-method-override': 'DELETE' } })
    expect(overridden.status).toBe(401)
    const viaQuery = await fetch(`${gate.url}/docs/a?_method=GET`, { method: 'POST', body: '' })
    expect(viaQuery.status).toBe(401)
  })

  it("serves fxa-gate's own endpoints and never proxies anything under the prefix", async () => {
    const userinfo = await fetch(`${gate.url}/_gate/userinfo`, { headers: { cookie: session } })
    expect(userinfo.status).toBe(200)
    expect(await userinfo.json()).toMatchObject({ email: 'ann@example.org' })
    const before = upstream.seen.length
    for (const path of ['/_gate/nothing', '/_gate', '/_gate/', '/_gate/auth/../x']) {
      const response = await fetch(`${gate.url}${path}`, { headers: { cookie: session } })
      expect(response.status, path).toBe(404)
    }
    expect(upstream.seen.length).toBe(before)
  })

  it('streams a request body of any content type to the upstream (no parser, no 1 MiB limit)', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 'a')
    for (const type of [
      'text/plain',
      'application/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'image/png',
    ]) {
      const response = await fetch(`${gate.url}/upload`, {
        method: 'PUT',
        body,
        headers: { cookie: session, 'content-type': type },
      })
      expect(response.status, type).toBe(200)
      expect(((await response.json()) as SeenRequest).bodyBytes).toBe(body.length)
    }
  })

  it('refuses a GET with a body instead of dropping the body', async () => {
    const response = await rawExchange(
      gate.port,
      `GET /with-body HTTP/1.1\r\nHost: 127.0.0.1:${gate.port}\r\nCookie: ${session}\r\nContent-Length: 5\r\n\r\nhello`,
      { untilFirstResponse: true },
    )
    expect(response.status).toBe(400)
    expect(upstream.seenWith('/with-body')).toEqual([])
  })

  it('refuses a body whose Content-Type does not parse, before reading it', async () => {
    const response = await fetch(`${gate.url}/bad-type`, {
      method: 'POST',
      body: 'x',
      headers: { cookie: session, 'content-type': 'not a type' },
    })
    expect(response.status).toBe(400)
    expect(upstream.seenWith('/bad-type')).toEqual([])
  })

  it('passes the upstream status through and never retries it', async () => {
    const before = upstream.seenWith('/status/503').length
    const response = await fetch(`${gate.url}/status/503`, { headers: { cookie: session } })
    expect(response.status).toBe(503)
    expect(upstream.seenWith('/status/503').length - before).toBe(1)
  })

  it('counts its decisions under endpoint="sidecar" in fxa_gate_decisions_total', async () => {
    expect((await fetch(`${gate.url}/app/counted`, { headers: { cookie: session } })).status).toBe(200)
    expect((await fetch(`${gate.url}/app/counted`, { headers: { accept: 'application/json' } })).status).toBe(
      401,
    )
    expect((await fetch(`${gate.url}/staff/counted`, { headers: { cookie: session } })).status).toBe(403)
    const metrics = await (await fetch(`${gate.adminUrl}/metrics`)).text()
    for (const result of ['allow', 'unauthenticated', 'forbidden'])
      expect(metrics).toMatch(
        new RegExp(`fxa_gate_decisions_total\\{endpoint="sidecar",result="${result}"\\} [1-9]`),
      )
    expect(metrics).not.toMatch(/fxa_gate_decisions_total\{[^}]*"proxy"/)
  })

  it('passes a Basic Authorization header to the upstream (not consumed by fxa-gate)', async () => {
    const response = await fetch(`${gate.url}/basic`, {
      headers: { cookie: session, authorization: 'Basic YTpi' },
    })
    expect(header((await response.json()) as SeenRequest, 'authorization')).toEqual(['Basic YTpi'])
  })
})

describe('sidecar: Authorization and forwarding settings', () => {
  let upstream: RecordingUpstream
  beforeAll(async () => {
    upstream = await startRecordingUpstream()
  })
  afterAll(() => upstream?.close())

  it('removes a bearer token fxa-gate consumed, and passes it when configured to', async () => {
    for (const [setting, expected] of [
      ['remove-when-consumed', []],
      ['pass', ['Bearer TOKEN']],
    ] as const) {
      const gate = await startTestGate({
        redisUrl,
        env: {
          FXA_GATE_UPSTREAM: upstream.url,
          FXA_GATE_UPSTREAM_AUTHORIZATION: setting,
          FXA_GATE_BEARER_ALLOWED_CLIENTS: 'fxa-gate-test',
        },
      })
      try {
        const uid = 'b'.repeat(32)
        gate.fxa.users.set(uid, { uid, email: 'api@example.org', displayName: 'Api' } as never)
        const token = await gate.fxa.issueAccessToken({ uid, clientId: 'fxa-gate-test', scope: 'profile' })
        const response = await fetch(`${gate.url}/api/${setting}`, {
          headers: { authorization: `Bearer ${token}` },
        })
        expect(response.status).toBe(200)
        const seen = (await response.json()) as SeenRequest
        expect(header(seen, 'authorization')).toEqual(expected.map((value) => value.replace('TOKEN', token)))
        expect(header(seen, 'x-user-auth')).toEqual(['bearer'])
      } finally {
        await gate.close()
      }
    }
  })

  it('removes every Authorization header when configured to', async () => {
    const gate = await startTestGate({
      redisUrl,
      env: {
        FXA_GATE_UPSTREAM: upstream.url,
        FXA_GATE_UPSTREAM_AUTHORIZATION: 'remove',
        FXA_GATE_PUBLIC_PATHS: '/*',
      },
    })
    try {
      const response = await fetch(`${gate.url}/any`, { headers: { authorization: 'Basic YTpi' } })
      expect(header((await response.json()) as SeenRequest, 'authorization')).toEqual([])
    } finally {
      await gate.close()
    }
  })

  it('believes X-Forwarded-Proto and appends to X-Forwarded-For only from a trusted proxy', async () => {
    for (const [trusted, proto, forwardedFor] of [
      ['', 'http', '127.0.0.1'],
      ['127.0.0.1', 'https', '203.0.113.9, 127.0.0.1'],
    ] as const) {
      const gate = await startTestGate({
        redisUrl,
        env: {
          FXA_GATE_UPSTREAM: upstream.url,
          FXA_GATE_PUBLIC_PATHS: '/*',
          FXA_GATE_TRUSTED_PROXIES: trusted,
        },
      })
      try {
        const response = await fetch(`${gate.url}/fwd`, {
          headers: {
            'x-forwarded-proto': 'https',
            'x-forwarded-for': '203.0.113.9',
            'x-forwarded-host': 'evil.test',
            forwarded: 'for=1.2.3.4',
          },
        })
        const seen = (await response.json()) as SeenRequest
        expect(header(seen, 'x-forwarded-proto')).toEqual([proto])
        expect(header(seen, 'x-forwarded-for')).toEqual([forwardedFor])
        expect(header(seen, 'x-forwarded-host')).toEqual([`127.0.0.1:${gate.port}`])
        expect(header(seen, 'forwarded')).toEqual([])
      } finally {
        await gate.close()
      }
    }
  })
})

describe('sidecar: upstream failures', () => {
  it('answers 502 at once when the upstream refuses connections, and counts it', async () => {
    const gate = await startTestGate({
      redisUrl,
      env: { FXA_GATE_UPSTREAM: `http://127.0.0.1:${await freePort()}`, FXA_GATE_PUBLIC_PATHS: '/*' },
    })
    try {
      const started = Date.now()
      const response = await fetch(`${gate.url}/down`)
      expect(response.status).toBe(502)
      expect(await response.json()).toMatchObject({ error: 'UPSTREAM_UNAVAILABLE' })
      expect(Date.now() - started).toBeLessThan(2000)
      const metrics = await (await fetch(`${gate.adminUrl}/metrics`)).text()
      expect(metrics).toMatch(/fxa_gate_upstream_errors_total\{reason="refused"\} 1/)
    } finally {
      await gate.close()
    }
  })

  it('answers 504 within the configured timeout when the upstream accepts but never answers', async () => {
    // A TCP server that accepts and stays silent: the worst kind of "down".
    const sockets = new Set<import('node:net').Socket>()
    const silent: Server = createServer((socket) => sockets.add(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const port = (silent.address() as import('node:net').AddressInfo).port
    const gate = await startTestGate({
      redisUrl,
      env: {
        FXA_GATE_UPSTREAM: `http://127.0.0.1:${port}`,
        FXA_GATE_PUBLIC_PATHS: '/*',
        FXA_GATE_UPSTREAM_TIMEOUT: '1s',
      },
    })
    try {
      const started = Date.now()
      const response = await fetch(`${gate.url}/hangs`)
      const elapsed = Date.now() - started
      expect(response.status).toBe(504)
      expect(await response.json()).toMatchObject({ error: 'UPSTREAM_TIMEOUT' })
      expect(elapsed).toBeGreaterThanOrEqual(900)
      expect(elapsed).toBeLessThan(3000)
    } finally {
      await gate.close()
      for (const socket of sockets) socket.destroy()
      silent.close()
    }
  })

  it('cuts the client off when the upstream breaks off a response, and counts it', async () => {
    const upstream = await startRecordingUpstream()
    const gate = await startTestGate({
      redisUrl,
      env: { FXA_GATE_UPSTREAM: upstream.url, FXA_GATE_PUBLIC_PATHS: '/*' },
    })
    try {
      const response = await fetch(`${gate.url}/broken`)
      expect(response.status).toBe(200)
      await expect(response.text()).rejects.toThrow()
      const metrics = await (await fetch(`${gate.adminUrl}/metrics`)).text()
      expect(metrics).toMatch(/fxa_gate_upstream_errors_total\{reason="aborted_response"\} 1/)
    } finally {
      await gate.close()
      await upstream.close()
    }
  })

  it('does not count a client that goes away mid-download as an upstream error', async () => {
    const upstream = await startRecordingUpstream()
    const gate = await startTestGate({
      redisUrl,
      env: { FXA_GATE_UPSTREAM: upstream.url, FXA_GATE_PUBLIC_PATHS: '/*' },
    })
    try {
      const controller = new AbortController()
      const response = await fetch(`${gate.url}/download?bytes=${64 * 1024 * 1024}`, {
        signal: controller.signal,
      })
      const reader = response.body!.getReader()
      await reader.read()
      controller.abort()
      await new Promise((resolve) => setTimeout(resolve, 200))
      const metrics = await (await fetch(`${gate.adminUrl}/metrics`)).text()
      expect(metrics).not.toMatch(/fxa_gate_upstream_errors_total\{reason="aborted_response"\} [1-9]/)
    } finally {
      await gate.close()
      await upstream.close()
    }
  })

  it('answers 504 when a live upstream is slower than the timeout', async () => {
    const upstream = await startRecordingUpstream()
    const gate = await startTestGate({
      redisUrl,
      env: {
        FXA_GATE_UPSTREAM: upstream.url,
        FXA_GATE_PUBLIC_PATHS: '/*',
        FXA_GATE_UPSTREAM_TIMEOUT: '500ms',
      },
    })
    try {
      expect((await fetch(`${gate.url}/slow?ms=100`)).status).toBe(200)
      expect((await fetch(`${gate.url}/slow?ms=2000`)).status).toBe(504)
    } finally {
      await gate.close()
      await upstream.close()
    }
  })
})

describe('sidecar: X-User-Assertion', () => {
  let upstream: RecordingUpstream
  beforeAll(async () => {
    upstream = await startRecordingUpstream()
  })
  afterAll(() => upstream?.close())

  async function assertionThrough(gate: TestGate, path: string): Promise<string> {
    const response = await fetch(`${gate.url}${path}`, {
      headers: { cookie: await sessionOf(gate, 'ann@example.org') },
    })
    return header((await response.json()) as SeenRequest, 'x-user-assertion')[0]!
  }

  it('verifies with jose against <prefix>/jwks.json, with the identity and the audience in it', async () => {
    const gate = await startTestGate({
      redisUrl,
      env: { FXA_GATE_UPSTREAM: upstream.url, FXA_GATE_ASSERTION_AUDIENCE: 'https://app.example.org' },
    })
    try {
      const token = await assertionThrough(gate, '/verify')
      const jwks = createRemoteJWKSet(new URL(`${gate.url}/_gate/jwks.json`))
      const { payload, protectedHeader } = await jwtVerify(token, jwks, {
        issuer: gate.url,
        audience: 'https://app.example.org',
        algorithms: ['ES256'],
      })
      expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'JWT' })
      expect(payload).toMatchObject({ email: 'ann@example.org', auth: 'session', capabilities: [] })
      expect(payload.sub).toMatch(/^[0-9a-f]{32}$/)
      expect(payload.exp! - payload.iat!).toBe(60)
      expect(payload.jti).toBeTypeOf('string')
      // The admin listener publishes the same keys.
      expect(await (await fetch(`${gate.adminUrl}/jwks.json`)).json()).toEqual(
        await (await fetch(`${gate.url}/_gate/jwks.json`)).json(),
      )
      await expect(jwtVerify(token, jwks, { audience: 'https://other.example.org' })).rejects.toBeInstanceOf(
        joseErrors.JWTClaimValidationFailed,
      )
    } finally {
      await gate.close()
    }
  })

  it('fails verification when tampered with', async () => {
    const gate = await startTestGate({ redisUrl, env: { FXA_GATE_UPSTREAM: upstream.url } })
    try {
      const token = await assertionThrough(gate, '/tamper')
      const jwks = createRemoteJWKSet(new URL(`${gate.url}/_gate/jwks.json`))
      const [head, body, signature] = token.split('.') as [string, string, string]
      const claims = decodeJwt(token)
      const forgedBody = Buffer.from(JSON.stringify({ ...claims, email: 'admin@example.org' })).toString(
        'base64url',
      )
      const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`
      for (const tampered of [
        `${head}.${forgedBody}.${signature}`,
        `${head}.${body}.${flipped}`,
        `${head}.${body}.`,
      ]) {
        await expect(jwtVerify(tampered, jwks)).rejects.toThrow()
      }
      const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${body}.`
      await expect(jwtVerify(none, jwks)).rejects.toThrow()
    } finally {
      await gate.close()
    }
  })

  it('keeps old tokens verifying after a key rotation until they expire', async () => {
    const [oldKey, newKey] = [pem(), pem()]
    const before = await startTestGate({
      redisUrl,
      env: { FXA_GATE_UPSTREAM: upstream.url, FXA_GATE_ASSERTION_KEY: oldKey.privateKey },
    })
    let oldToken: string
    try {
      oldToken = await assertionThrough(before, '/rotate-old')
    } finally {
      await before.close()
    }
    const after = await startTestGate({
      redisUrl,
      env: {
        FXA_GATE_UPSTREAM: upstream.url,
        FXA_GATE_ASSERTION_KEY: newKey.privateKey,
        FXA_GATE_ASSERTION_PREVIOUS_KEYS: oldKey.publicKey,
      },
    })
    try {
      const newToken = await assertionThrough(after, '/rotate-new')
      const published = (await (await fetch(`${after.url}/_gate/jwks.json`)).json()) as {
        keys: { kid: string }[]
      }
      expect(published.keys).toHaveLength(2)
      const jwks = createRemoteJWKSet(new URL(`${after.url}/_gate/jwks.json`))
      await expect(jwtVerify(oldToken, jwks)).resolves.toBeDefined()
      await expect(jwtVerify(newToken, jwks)).resolves.toBeDefined()
      const expiry = new Date((decodeJwt(oldToken).exp! + 1) * 1000)
      await expect(jwtVerify(oldToken, jwks, { currentDate: expiry })).rejects.toBeInstanceOf(
        joseErrors.JWTExpired,
      )
      // Once the old key is no longer published, its tokens stop verifying.
      const onlyNew = createLocalJWKSet({ keys: [published.keys[0]!] as never })
      await expect(jwtVerify(oldToken, onlyNew)).rejects.toBeInstanceOf(joseErrors.JWKSNoMatchingKey)
    } finally {
      await after.close()
    }
  })

  it('is returned by the forward-auth endpoints too', async () => {
    const gate = await startTestGate({ redisUrl })
    try {
      const cookie = await sessionOf(gate, 'ann@example.org')
      const answer = await fetch(`${gate.url}/_gate/auth/nginx`, {
        headers: { cookie, 'x-original-url': 'https://app.example.org/x' },
      })
      expect(answer.status).toBe(200)
      const token = answer.headers.get('x-user-assertion')!
      await expect(
        jwtVerify(token, createRemoteJWKSet(new URL(`${gate.url}/_gate/jwks.json`))),
      ).resolves.toBeDefined()
      // The answer may be cached no longer than the assertion in it is valid.
      const maxAge = Number(/max-age=(\d+)/.exec(answer.headers.get('cache-control') ?? '')?.[1])
      expect(maxAge).toBeLessThan(decodeJwt(token).exp! - Math.floor(Date.now() / 1000))
    } finally {
      await gate.close()
    }
  })
})
