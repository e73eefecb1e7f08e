import { createHash } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { loginWithForm } from '../../dev/fake-fxa/index.ts'
import { createCookieJar, loginThroughGate, startTestGate, type TestGate } from '../support/gate.ts'

const redisUrl = inject('redisUrl')

function sessionCookie(gate: TestGate, jar: ReturnType<typeof createCookieJar>): string | undefined {
  const header = jar.cookieHeader(gate.url)
  return new RegExp(`(?:^|; )${gate.config.cookie.sessionName}=([^;]+)`).exec(header)?.[1]
}

function storeKeyOf(cookieValue: string): string {
  const id = cookieValue.slice(0, cookieValue.lastIndexOf('.'))
  return createHash('sha256').update(id).digest('base64url')
}

describe.each([
  ['a confidential client', false],
  ['a public client (PKCE)', true],
])('login with %s against the fake FxA, sessions in Redis', (_name, publicClient) => {
  let gate: TestGate
  beforeAll(async () => {
    gate = await startTestGate({ redisUrl, publicClient })
  })
  afterAll(() => gate?.close())

  it('lands on the return URL with a session cookie, and /userinfo shows the user', async () => {
    const jar = createCookieJar()
    const landed = await loginThroughGate(jar, gate.url, 'ann@example.org', { rd: '/after/login?x=1' })
    expect(landed.status).toBe(302)
    expect(landed.headers.get('location')).toBe('/after/login?x=1')
    const setCookies = landed.headers.getSetCookie().join('\n')
    expect(setCookies).toMatch(
      new RegExp(`${gate.config.cookie.sessionName}=[^;]+; Max-Age=\\d+; Path=/; HttpOnly; SameSite=Lax`),
    )
    const info = await jar.fetch(`${gate.url}/_gate/userinfo`)
    expect(info.status).toBe(200)
    const body = (await info.json()) as Record<string, unknown>
    expect(body).toMatchObject({ email: 'ann@example.org', auth: 'session' })
    expect(body['uid']).toMatch(/^[0-9a-f]{32}$/)
    expect(gate.fxa.calls.token).toBeGreaterThan(0)
  })

  it('stores the session under a hash of its id, with the tokens encrypted', async () => {
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'bea@example.org')
    const cookie = sessionCookie(gate, jar)!
    expect(cookie.length).toBeLessThan(100)
    const id = cookie.slice(0, cookie.lastIndexOf('.'))
    const record = await gate.store.get(storeKeyOf(cookie), 60_000)
    expect(record?.email).toBe('bea@example.org')
    expect(JSON.stringify(record)).not.toContain(id)
    expect(record?.tokens).toMatch(/^ey[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/) // compact JWE, dir
  })

  it('issues a new session id at every login (no fixation) and ends the previous one', async () => {
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'cat@example.org')
    const first = sessionCookie(gate, jar)!
    await loginThroughGate(jar, gate.url, 'cat@example.org')
    const second = sessionCookie(gate, jar)!
    expect(second).not.toBe(first)
    expect(await gate.store.get(storeKeyOf(first), 60_000)).toBeNull()
  })

  it('ignores a session cookie planted before login', async () => {
    const jar = createCookieJar()
    const planted = `${'A'.repeat(32)}.${'B'.repeat(22)}`
    const landed = await loginThroughGate(jar, gate.url, 'dan@example.org', {
      startUrl: `${gate.url}/_gate/start`,
    })
    expect(landed.status).toBe(302)
    expect(sessionCookie(gate, jar)).not.toBe(planted)
  })
})

describe('login refusals', () => {
  let gate: TestGate
  beforeAll(async () => {
    gate = await startTestGate({ redisUrl })
  })
  afterAll(() => gate?.close())

  async function startedLogin() {
    const jar = createCookieJar()
    const started = await jar.fetch(`${gate.url}/_gate/start`)
    const authorization = new URL(started.headers.get('location')!)
    return { jar, authorization, state: authorization.searchParams.get('state')! }
  }

  it('refuses a callback without the pending-login cookie', async () => {
    const { authorization, state } = await startedLogin()
    const response = await fetch(`${gate.url}/_gate/callback?code=abc&state=${state}`, {
      headers: { accept: 'application/json' },
    })
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: string }).error).toBe('LOGIN_STATE_MISSING')
    expect(authorization.searchParams.get('access_type')).toBe('offline')
  })

  it('refuses a forged or tampered state', async () => {
    const { jar, state } = await startedLogin()
    for (const forged of [`${state}x`, state.slice(1), 'x'.repeat(43), '', 'a'.repeat(600)]) {
      const response = await jar.fetch(
        `${gate.url}/_gate/callback?code=abc&state=${encodeURIComponent(forged)}`,
        {
          headers: { accept: 'application/json' },
        },
      )
      expect(response.status, forged).toBe(400)
    }
  })

  it('refuses a tampered pending-login cookie', async () => {
    const { jar, state } = await startedLogin()
    const cookie = jar.cookieHeader(gate.url).replace(/(_login=)([^;]{10})/, '$1AAAAAAAAAA')
    const response = await fetch(`${gate.url}/_gate/callback?code=abc&state=${state}`, {
      headers: { cookie, accept: 'application/json' },
    })
    expect(response.status).toBe(400)
  })

  it('refuses a replayed code, with a 4xx and no session', async () => {
    const jar = createCookieJar()
    const started = await jar.fetch(`${gate.url}/_gate/start`)
    const { loginWithForm } = await import('../../dev/fake-fxa/index.ts')
    const callback = await loginWithForm(jar.fetch, started.headers.get('location')!, 'eve@example.org')
    const pendingCookie = jar.cookieHeader(gate.url)
    expect((await jar.fetch(callback)).status).toBe(302)
    // Replay with the pending-login cookie as it was before the callback consumed it.
    const replay = await fetch(callback, {
      headers: { cookie: pendingCookie, accept: 'application/json' },
      redirect: 'manual',
    })
    expect(replay.status).toBe(400)
    expect(((await replay.json()) as { error: string }).error).toBe('LOGIN_CODE_REJECTED')
  })

  it('shows a clear page, not a stack trace, when the user cancels at FxA', async () => {
    const jar = createCookieJar()
    const response = await loginThroughGate(jar, gate.url, 'fay@example.org', { cancel: true })
    expect(response.status).toBe(403)
    const body = await response.text()
    expect(body).toContain('cancelled or refused')
    expect(body).not.toMatch(/at \w+ \(|Error:/)
  })

  it('answers 503, not a crash, when FxA is down at the callback', async () => {
    const jar = createCookieJar()
    const started = await jar.fetch(`${gate.url}/_gate/start`)
    const { loginWithForm } = await import('../../dev/fake-fxa/index.ts')
    const callback = await loginWithForm(jar.fetch, started.headers.get('location')!, 'gus@example.org')
    gate.fxa.setFailure('token', { status: 503, retryAfter: 5 })
    try {
      const response = await jar.fetch(callback, { headers: { accept: 'application/json' } })
      expect(response.status).toBe(503)
      expect(((await response.json()) as { error: string }).error).toBe('PROVIDER_UNAVAILABLE')
    } finally {
      gate.fxa.setFailure('token', null)
    }
  })

  it('keeps at most one pending-login cookie however many logins start', async () => {
    const jar = createCookieJar()
    for (let i = 0; i < 50; i++) await jar.fetch(`${gate.url}/_gate/start`)
    const cookies = jar.cookieHeader(gate.url).split('; ')
    expect(cookies.filter((c) => c.startsWith(`${gate.config.cookie.loginName}=`))).toHaveLength(1)
    expect(jar.cookieHeader(gate.url).length).toBeLessThan(2048)
  })

  it('refuses bad pass-through parameters with 400 and passes good ones to FxA', async () => {
    const bad = await fetch(`${gate.url}/_gate/start?action=evil`, { redirect: 'manual' })
    expect(bad.status).toBe(400)
    const twice = await fetch(`${gate.url}/_gate/start?rd=/a&rd=/b`, { redirect: 'manual' })
    expect(twice.status).toBe(400)
    const good = await fetch(
      `${gate.url}/_gate/start?action=email&login_hint=a@b.example&prompt=login&entrypoint=test`,
      { redirect: 'manual' },
    )
    const location = new URL(good.headers.get('location')!)
    expect(location.searchParams.get('action')).toBe('email')
    expect(location.searchParams.get('login_hint')).toBe('a@b.example')
    expect(location.searchParams.get('prompt')).toBe('login')
    expect(location.searchParams.get('entrypoint')).toBe('test')
    expect(location.searchParams.has('nonce')).toBe(false)
    expect(location.searchParams.has('code_challenge')).toBe(false) // confidential client: no PKCE
  })
})

describe('login parameters FxA asks relying parties to send', () => {
  let gate: TestGate
  beforeAll(async () => {
    gate = await startTestGate({ redisUrl })
  })
  afterAll(() => gate?.close())

  it('passes flow_id, flow_begin_time, utm_* and entrypoint_* through from /start, and refuses malformed ones', async () => {
    const flow = 'ab'.repeat(32)
    const query = new URLSearchParams({
      flow_id: flow,
      flow_begin_time: '1700000000123',
      utm_source: 'newsletter',
      utm_campaign: 'spring-2026',
      utm_medium: 'email',
      utm_content: 'button.top',
      utm_term: 'vpn',
      entrypoint: 'app-menu',
      entrypoint_experiment: 'exp_1',
      entrypoint_variation: 'treatment-b',
    })
    const good = await fetch(`${gate.url}/_gate/start?${query}`, { redirect: 'manual' })
    expect(good.status).toBe(302)
    const location = new URL(good.headers.get('location')!)
    for (const [name, value] of query) expect(location.searchParams.get(name), name).toBe(value)

    for (const bad of [
      'flow_id=xyz',
      `flow_id=${'a'.repeat(65)}`,
      'flow_begin_time=soon',
      'flow_begin_time=-1',
      `utm_source=${'a'.repeat(129)}`,
      'utm_campaign=a%20b',
      'utm_source=%3Cscript%3E',
      'entrypoint_experiment=a/b',
      'entrypoint_variation=',
      'utm_source=a&utm_source=b',
    ]) {
      const refused = await fetch(`${gate.url}/_gate/start?${bad}`, { redirect: 'manual' })
      expect(refused.status, bad).toBe(400)
    }
  })

  it('keeps auth_at from the token response in the session (userinfo authAt)', async () => {
    const jar = createCookieJar()
    const before = Math.floor(Date.now() / 1000) * 1000
    await loginThroughGate(jar, gate.url, 'authat@example.org')
    const info = (await (await jar.fetch(`${gate.url}/_gate/userinfo`)).json()) as { authAt: string }
    expect(Date.parse(info.authAt)).toBeGreaterThanOrEqual(before - 1000)
    expect(Date.parse(info.authAt)).toBeLessThanOrEqual(Date.now())
  })

  it('prompt=none → login_required ends in an interactive login, once: no loop', async () => {
    const jar = createCookieJar()
    const started = await jar.fetch(
      `${gate.url}/_gate/start?prompt=none&rd=/after&flow_id=${'cd'.repeat(32)}`,
    )
    const silent = new URL(started.headers.get('location')!)
    expect(silent.searchParams.get('prompt')).toBe('none')
    // No FxA session in this browser: FxA answers login_required at the callback.
    const refusal = await jar.fetch(silent)
    const callback = refusal.headers.get('location')!
    expect(new URL(callback).searchParams.get('error')).toBe('login_required')

    const fallback = await jar.fetch(callback)
    expect(fallback.status).toBe(302)
    const interactive = new URL(fallback.headers.get('location')!)
    expect(interactive.origin).toBe(gate.fxa.issuer)
    expect(interactive.searchParams.has('prompt')).toBe(false)
    expect(interactive.searchParams.get('flow_id')).toBe('cd'.repeat(32))
    expect(interactive.searchParams.get('state')).not.toBe(silent.searchParams.get('state'))

    const back = await loginWithForm(jar.fetch, interactive, 'silent@example.org')
    const landed = await jar.fetch(back)
    expect(landed.status).toBe(302)
    expect(landed.headers.get('location')).toBe('/after')
    expect((await jar.fetch(`${gate.url}/_gate/userinfo`)).status).toBe(200)
  })

  it('does not retry a login that was not silent, nor a refusal other than the silent ones', async () => {
    const jar = createCookieJar()
    const started = await jar.fetch(`${gate.url}/_gate/start?prompt=none`)
    const state = new URL(started.headers.get('location')!).searchParams.get('state')!
    const denied = await jar.fetch(`${gate.url}/_gate/callback?error=access_denied&state=${state}`, {
      headers: { accept: 'application/json' },
    })
    expect(denied.status).toBe(403)

    const plain = createCookieJar()
    const interactive = await plain.fetch(`${gate.url}/_gate/start`)
    const plainState = new URL(interactive.headers.get('location')!).searchParams.get('state')!
    const required = await plain.fetch(
      `${gate.url}/_gate/callback?error=login_required&state=${plainState}`,
      {
        headers: { accept: 'application/json' },
      },
    )
    expect(required.status).toBeGreaterThanOrEqual(400)
    expect(required.headers.get('location')).toBeNull()
  })
})

describe('logout', () => {
  let gate: TestGate
  beforeAll(async () => {
    gate = await startTestGate({ redisUrl })
  })
  afterAll(() => gate?.close())

  it('ends the session in Redis, clears the cookie, answers 401 after, and destroys the FxA tokens', async () => {
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'hal@example.org')
    const cookie = sessionCookie(gate, jar)!
    const destroyedBefore = gate.fxa.calls.destroy.length
    // As a browser sends it from a link on fxa-gate's own origin (logout-csrf.test.ts: from elsewhere).
    const response = await jar.fetch(`${gate.url}/_gate/logout?rd=/bye`, {
      headers: { 'sec-fetch-site': 'same-origin' },
    })
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('/bye')
    expect(response.headers.getSetCookie().join()).toMatch(
      new RegExp(`${gate.config.cookie.sessionName}=; Max-Age=0`),
    )
    expect(await gate.store.get(storeKeyOf(cookie), 60_000)).toBeNull()
    expect(sessionCookie(gate, jar)).toBeUndefined()
    const replay = await fetch(`${gate.url}/_gate/userinfo`, {
      headers: { cookie: `${gate.config.cookie.sessionName}=${cookie}` },
    })
    expect(replay.status).toBe(401)
    expect(await replay.json()).toMatchObject({
      error: 'UNAUTHENTICATED',
      loginUrl: `${gate.url}/_gate/start`,
    })
    // Destroyed in the background, so that FxA never holds the logout up.
    for (let i = 0; i < 100 && gate.fxa.calls.destroy.length < destroyedBefore + 2; i++) await sleep(20)
    const destroyed = gate.fxa.calls.destroy.slice(destroyedBefore)
    expect(destroyed.some((body) => 'token' in body)).toBe(true)
    expect(destroyed.some((body) => 'refresh_token' in body)).toBe(true)
  })

  it('accepts a POST from a form and answers 303', async () => {
    const response = await fetch(`${gate.url}/_gate/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: gate.url },
      body: 'x=1',
      redirect: 'manual',
    })
    expect(response.status).toBe(303)
  })
})

describe('session lifetimes', () => {
  it('ends a session at its idle lifetime', async () => {
    const gate = await startTestGate({
      redisUrl,
      env: { FXA_GATE_SESSION_IDLE_TTL: '1s', FXA_GATE_SESSION_CACHE_TTL: '0' },
    })
    try {
      const jar = createCookieJar()
      await loginThroughGate(jar, gate.url, 'ida@example.org')
      await sleep(500)
      expect((await jar.fetch(`${gate.url}/_gate/userinfo`)).status).toBe(200) // activity extends it
      await sleep(700)
      expect((await jar.fetch(`${gate.url}/_gate/userinfo`)).status).toBe(200)
      await sleep(1300)
      expect((await jar.fetch(`${gate.url}/_gate/userinfo`)).status).toBe(401)
    } finally {
      await gate.close()
    }
  })

  it('ends a session at its absolute lifetime despite activity, cached or not', async () => {
    const gate = await startTestGate({
      redisUrl,
      env: {
        FXA_GATE_SESSION_ABSOLUTE_TTL: '2s',
        FXA_GATE_SESSION_IDLE_TTL: '2s',
        FXA_GATE_SESSION_CACHE_TTL: '10s',
      },
    })
    try {
      const jar = createCookieJar()
      await loginThroughGate(jar, gate.url, 'jon@example.org')
      for (let i = 0; i < 3; i++) {
        expect((await jar.fetch(`${gate.url}/_gate/userinfo`)).status).toBe(200)
        await sleep(400)
      }
      await sleep(1000)
      expect((await jar.fetch(`${gate.url}/_gate/userinfo`)).status).toBe(401)
    } finally {
      await gate.close()
    }
  })
})
