import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { FakeFxa } from '../../dev/fake-fxa/index.ts'
import { startTestFxa, startTestGate, type TestGate } from '../support/gate.ts'
import { freePort } from '../support/ports.ts'

const RELAY = 'https://identity.mozilla.com/apps/relay'
const RULES = JSON.stringify([
  { paths: ['/relay/*'], requiredScopes: [RELAY] },
  { paths: ['/api/*'], requiredScopes: ['profile'] },
  { paths: ['/email/*'], requiredScopes: ['profile:email'] },
  { paths: ['/write/*'], requiredScopes: ['profile:write'] },
])

function ask(
  gate: TestGate,
  headers: Record<string, string>,
  url = 'https://app.example.com/api/thing',
  endpoint = '/_gate/auth/nginx',
) {
  return fetch(`${gate.url}${endpoint}`, { headers: { 'x-original-url': url, ...headers } })
}

describe('bearer tokens checked with FxA introspection', () => {
  let fxa: FakeFxa
  let one: TestGate
  let two: TestGate
  let uid: string
  beforeAll(async () => {
    const ports = [await freePort(), await freePort()]
    fxa = await startTestFxa(ports)
    const env = {
      FXA_GATE_REDIS_KEY_PREFIX: `bearer${Date.now()}:`,
      FXA_GATE_RULES: RULES,
      FXA_GATE_BEARER_FAILURE_TTL: '1s',
    }
    one = await startTestGate({ fxa, port: ports[0], redisUrl: inject('redisUrl'), env })
    two = await startTestGate({ fxa, port: ports[1], redisUrl: inject('redisUrl'), env })
    uid = [...fxa.users.values()][0]?.uid ?? 'u'.repeat(32)
    if (!fxa.users.has(uid)) fxa.users.set(uid, { uid, email: 'api@example.org', displayName: 'Api User' })
  })
  afterAll(async () => {
    await one?.close()
    await two?.close()
    await fxa?.close()
  })

  it('1,000 requests with one token, 50 at a time, through two gates: at most 2 introspections', async () => {
    const token = await fxa.issueAccessToken({ uid, clientId: 'fxa-gate-test', scope: 'profile' })
    const before = fxa.calls.introspect
    const statuses: number[] = []
    for (let batch = 0; batch < 20; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => ask(i % 2 ? one : two, { authorization: `Bearer ${token}` })),
      )
      statuses.push(...answers.map((answer) => answer.status))
    }
    expect(statuses.every((status) => status === 200)).toBe(true)
    expect(fxa.calls.introspect - before).toBeLessThanOrEqual(2)
    expect(fxa.calls.introspect - before).toBeGreaterThanOrEqual(1)
  })

  it('answers with identity headers from the token and the profile', async () => {
    const token = await fxa.issueAccessToken({ uid, clientId: 'fxa-gate-test', scope: 'profile' })
    const answer = await ask(one, { authorization: `Bearer ${token}` })
    expect(answer.status).toBe(200)
    expect(answer.headers.get('x-user-id')).toBe(uid)
    expect(answer.headers.get('x-user-auth')).toBe('bearer')
    expect(answer.headers.get('x-user-scopes')).toBe('profile')
    expect(answer.headers.get('x-user-email')).toBe(fxa.users.get(uid)?.email)
  })

  it('honours the expiry FxA gives in milliseconds, without a restart', async () => {
    const token = await fxa.issueAccessToken({
      uid,
      clientId: 'fxa-gate-test',
      scope: 'profile',
      ttlSeconds: 2,
    })
    expect((await ask(one, { authorization: `Bearer ${token}` })).status).toBe(200)
    await sleep(2300)
    const after = await ask(one, { authorization: `Bearer ${token}` })
    expect(after.status).toBe(401)
    expect(after.headers.get('www-authenticate')).toContain('error="invalid_token"')
  })

  it('refuses a token without the route scope with 403, on every request, cached or not', async () => {
    const token = await fxa.issueAccessToken({ uid, clientId: 'fxa-gate-test', scope: 'profile' })
    for (let i = 0; i < 5; i++) {
      expect(
        (
          await ask(
            i % 2 ? one : two,
            { authorization: `Bearer ${token}` },
            'https://app.example.com/relay/x',
          )
        ).status,
      ).toBe(403)
    }
    const scoped = await fxa.issueAccessToken({ uid, clientId: 'fxa-gate-test', scope: `profile ${RELAY}` })
    expect(
      (await ask(one, { authorization: `Bearer ${scoped}` }, 'https://app.example.com/relay/x')).status,
    ).toBe(200)
  })

  it('refuses an unknown token with 401 invalid_token and no redirect, even for a navigation', async () => {
    const answer = await fetch(`${one.url}/_gate/auth/traefik`, {
      headers: {
        authorization: `Bearer ${'f'.repeat(64)}`,
        accept: 'text/html',
        'sec-fetch-mode': 'navigate',
        'x-forwarded-host': 'a.example',
        'x-forwarded-uri': '/',
      },
      redirect: 'manual',
    })
    // traefik endpoint: peers are not trusted in this gate, so it refuses before reading tokens.
    expect(answer.status).toBe(403)
    const viaNginx = await ask(one, {
      authorization: `Bearer ${'f'.repeat(64)}`,
      accept: 'text/html',
      'sec-fetch-mode': 'navigate',
    })
    expect(viaNginx.status).toBe(401)
    expect(viaNginx.headers.get('www-authenticate')).toBe('Bearer realm="fxa-gate", error="invalid_token"')
  })

  it('refuses a token in the query string', async () => {
    const token = await fxa.issueAccessToken({ uid, clientId: 'fxa-gate-test', scope: 'profile' })
    const answer = await ask(one, {}, `https://app.example.com/x?access_token=${token}`)
    expect(answer.status).toBe(401)
    expect(answer.headers.get('www-authenticate')).toContain('invalid_request')
  })

  it('gives each malformed Authorization header a defined 4xx, and never crashes', async () => {
    const token = await fxa.issueAccessToken({ uid, clientId: 'fxa-gate-test', scope: 'profile' })
    const cases: Array<[string, string, number]> = [
      ['empty token', 'Bearer ', 401],
      ['two spaces', `Bearer  ${token}`, 401],
      ['Bearer twice', `Bearer ${token} Bearer ${token}`, 401],
      ['10 KB token', `Bearer ${'a'.repeat(10_240)}`, 401],
      ['lower-case scheme (accepted: schemes are case-insensitive)', `bearer ${token}`, 200],
    ]
    for (const [name, value, status] of cases) {
      expect((await ask(one, { authorization: value })).status, name).toBe(status)
    }
    // Two Authorization lines: Node keeps one; fxa-gate sees both in rawHeaders.
    const twice = await new Promise<number>((resolve, reject) => {
      const socket = connect(one.port, '127.0.0.1', () => {
        socket.end(
          `GET /_gate/auth/nginx HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Original-URL: https://app.example.com/x\r\nAuthorization: Bearer ${token}\r\nAuthorization: Bearer other\r\nConnection: close\r\n\r\n`,
        )
      })
      let answer = ''
      socket.on('data', (chunk) => (answer += chunk))
      socket.on('end', () => resolve(Number(answer.slice(9, 12))))
      socket.on('error', reject)
    })
    expect(twice).toBe(401)
    expect((await fetch(`${one.adminUrl}/healthz`)).status).toBe(200)
  })

  it('refuses tokens of clients not on the allow-list (401 invalid_token)', async () => {
    const gate = await startTestGate({
      fxa,
      redisUrl: inject('redisUrl'),
      env: { FXA_GATE_BEARER_ALLOWED_CLIENTS: 'someone-else', FXA_GATE_RULES: RULES },
    }).catch(() => null)
    // The FxA client's redirect URIs don't cover this gate's port; only bearer checks are used here.
    if (gate === null) throw new Error('gate did not start')
    try {
      const token = await fxa.issueAccessToken({ uid, clientId: 'fxa-gate-test', scope: 'profile' })
      const answer = await ask(gate, { authorization: `Bearer ${token}` })
      expect(answer.status).toBe(401)
      expect(answer.headers.get('www-authenticate')).toContain('invalid_token')
    } finally {
      await gate.close()
    }
  })

  it('fails closed with 503 and Retry-After while FxA is down, and recovers when it is back', async () => {
    const token = await fxa.issueAccessToken({ uid, clientId: 'fxa-gate-test', scope: 'profile' })
    await fxa.stop()
    try {
      const down = await ask(one, { authorization: `Bearer ${token}` })
      expect(down.status).toBe(503)
      expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0)
      const again = await ask(one, { authorization: `Bearer ${token}` })
      expect(again.status).toBe(503)
    } finally {
      await fxa.start()
    }
    await sleep(1100)
    expect((await ask(one, { authorization: `Bearer ${token}` })).status).toBe(200)
  })

  it('passes on FxA 429 Retry-After, and treats 5xx and non-JSON as outages', async () => {
    // 429 last: it opens the gate's circuit breaker for its Retry-After (see bearer-flood.test.ts).
    for (const [mode, retry] of [
      [{ status: 502 }, '1'],
      [{ nonJson: true as const }, '1'],
      [{ status: 429, retryAfter: 7 }, '7'],
    ] as const) {
      const token = await fxa.issueAccessToken({ uid, clientId: 'fxa-gate-test', scope: 'profile' })
      fxa.setFailure('introspect', mode)
      try {
        const answer = await ask(two, { authorization: `Bearer ${token}` })
        expect(answer.status, JSON.stringify(mode)).toBe(503)
        expect(answer.headers.get('retry-after')).toBe(retry)
      } finally {
        fxa.setFailure('introspect', null)
      }
    }
  })
})

describe("bearer tokens follow FxA's rules", () => {
  let fxa: FakeFxa
  let gate: TestGate
  let open: TestGate
  const uid = '9'.repeat(32)
  beforeAll(async () => {
    const ports = [await freePort(), await freePort()]
    fxa = await startTestFxa(ports)
    fxa.users.set(uid, { uid, email: 'rules@example.org', twoFactor: true })
    const env = {
      FXA_GATE_RULES: RULES,
      FXA_GATE_REDIS_KEY_PREFIX: `rules${Date.now()}:`,
      FXA_GATE_SERVICES: JSON.stringify([
        { name: 'scoped', hosts: ['scoped.example.com'], audience: 'scoped', requiredScopes: ['profile'] },
        {
          name: 'listed',
          hosts: ['listed.example.com'],
          audience: 'listed',
          allowedClients: ['fxa-gate-test'],
        },
        { name: 'unnamed', hosts: ['unnamed.example.com'], audience: 'unnamed' },
      ]),
    }
    gate = await startTestGate({ fxa, port: ports[0], redisUrl: inject('redisUrl'), env })
    open = await startTestGate({
      fxa,
      port: ports[1],
      redisUrl: inject('redisUrl'),
      env: { ...env, FXA_GATE_BEARER_ALLOWED_CLIENTS: 'fxa-gate-test' },
    })
  })
  afterAll(async () => {
    await gate?.close()
    await open?.close()
    await fxa?.close()
  })

  it("answers a confidential client's refresh token used as a bearer token with 401 invalid_token, never 503", async () => {
    const refresh = await fxa.issueRefreshToken({ uid, clientId: 'fxa-gate-test', scope: 'profile' })
    const answer = await ask(gate, { authorization: `Bearer ${refresh}` })
    expect(answer.status).toBe(401)
    expect(answer.headers.get('www-authenticate')).toContain('error="invalid_token"')
  })

  it("answers a public client's refresh token (FxA calls it active, without exp) with 401", async () => {
    // The shared test FxA knows one (confidential) client; a public one gets its own FxA.
    const own = await startTestFxa([await freePort()], true)
    try {
      own.users.set(uid, { uid, email: 'rules@example.org' })
      const refresh = await own.issueRefreshToken({ uid, clientId: 'fxa-gate-test', scope: 'profile' })
      const direct = await fetch(`${own.oauthUrl}/introspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: refresh }),
      })
      expect(await direct.json()).toMatchObject({ active: true, token_type: 'refresh_token' })
      const publicGate = await startTestGate({
        fxa: own,
        redisUrl: inject('redisUrl'),
        publicClient: true,
        env: { FXA_GATE_RULES: RULES },
      })
      try {
        const answer = await ask(publicGate, { authorization: `Bearer ${refresh}` })
        expect(answer.status).toBe(401)
        expect(answer.headers.get('www-authenticate')).toContain('error="invalid_token"')
      } finally {
        await publicGate.close()
      }
    } finally {
      await own.close()
    }
  })

  it('matches route scopes by FxA hierarchy: profile satisfies profile:email, not profile:write', async () => {
    const token = await fxa.issueAccessToken({ uid, clientId: 'fxa-gate-test', scope: 'profile' })
    const header = { authorization: `Bearer ${token}` }
    expect((await ask(gate, header, 'https://app.example.com/email/x')).status).toBe(200)
    expect((await ask(gate, header, 'https://app.example.com/write/x')).status).toBe(403)
    expect(
      (
        await ask(
          gate,
          header,
          'https://app.example.com/x?a=1',
          '/_gate/auth/nginx?required_scopes=profile:email',
        )
      ).status,
    ).toBe(200)
  })

  it('refuses a bearer token on a route that names no scope when no client list is set, saying why', async () => {
    const token = await fxa.issueAccessToken({ uid, clientId: 'fxa-gate-test', scope: 'profile' })
    const answer = await ask(gate, { authorization: `Bearer ${token}` }, 'https://app.example.com/unnamed/x')
    expect(answer.status).toBe(401)
    expect(answer.headers.get('www-authenticate')).toContain('error="invalid_token"')
    expect(((await answer.json()) as { error: string }).error).toBe('BEARER_NOT_ACCEPTED')
    // With FXA_GATE_BEARER_ALLOWED_CLIENTS the client list names who may use tokens.
    expect(
      (await ask(open, { authorization: `Bearer ${token}` }, 'https://app.example.com/unnamed/x')).status,
    ).toBe(200)
  })

  it('takes a bearer token on the hosts of a service that names its scopes or clients, not of one that names neither', async () => {
    const token = await fxa.issueAccessToken({ uid, clientId: 'fxa-gate-test', scope: 'profile' })
    const on = (host: string) =>
      ask(gate, { authorization: `Bearer ${token}` }, `https://${host}/x`, `/_gate/auth/nginx?host=${host}`)
    expect((await on('scoped.example.com')).status).toBe(200)
    expect((await on('listed.example.com')).status).toBe(200)
    const refused = await on('unnamed.example.com')
    expect(refused.status).toBe(401)
    expect(((await refused.json()) as { error: string }).error).toBe('BEARER_NOT_ACCEPTED')
    // The service's token endpoint follows the same rule.
    const exchange = (service: string) =>
      fetch(`${gate.url}/_gate/token/${service}`, { headers: { authorization: `Bearer ${token}` } })
    expect((await exchange('scoped')).status).toBe(200)
    expect((await exchange('unnamed')).status).toBe(401)
  })

  it("never takes the AAL of a bearer token from the profile's twoFactorAuthentication", async () => {
    const token = await fxa.issueAccessToken({ uid, clientId: 'fxa-gate-test', scope: 'profile' })
    const answer = await ask(
      gate,
      { authorization: `Bearer ${token}` },
      'https://app.example.com/api/x',
      '/_gate/auth/nginx?min_aal=2',
    )
    expect(answer.status).toBe(403)
  })
})

describe('bearer tokens checked with /v1/verify', () => {
  it("treats FxA's 400 errno 108 as an invalid token and accepts a good one", async () => {
    const gate = await startTestGate({
      redisUrl: inject('redisUrl'),
      env: { FXA_GATE_BEARER_CHECK: 'verify', FXA_GATE_RULES: RULES },
    })
    try {
      const uid = 'a'.repeat(32)
      gate.fxa.users.set(uid, { uid, email: 'v@example.org' })
      const token = await gate.fxa.issueAccessToken({ uid, clientId: 'fxa-gate-test', scope: 'profile' })
      expect((await ask(gate, { authorization: `Bearer ${token}` })).status).toBe(200)
      expect((await ask(gate, { authorization: 'Bearer nope' })).status).toBe(401)
      expect(gate.fxa.calls.verify).toBeGreaterThanOrEqual(2)
    } finally {
      await gate.close()
    }
  })
})
