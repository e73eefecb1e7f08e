import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import {
  type CookieJar,
  createCookieJar,
  distinctPorts,
  loginThroughGate,
  startTestFxa,
  startTestGate,
  type TestGate,
} from '../support/gate.ts'

describe('a user’s own sessions, through the API, across two replicas sharing Redis', () => {
  let a: TestGate
  let b: TestGate
  const secret = randomBytes(32).toString('hex')
  const prefix = `t${randomBytes(4).toString('hex')}:`

  beforeAll(async () => {
    const ports = await distinctPorts(2)
    const fxa = await startTestFxa(ports)
    const options = {
      redisUrl: inject('redisUrl'),
      fxa,
      cookieSecrets: secret,
      env: { FXA_GATE_REDIS_KEY_PREFIX: prefix },
    }
    a = await startTestGate({ ...options, port: ports[0]! })
    b = await startTestGate({ ...options, port: ports[1]! })
  }, 60_000)
  afterAll(async () => {
    await Promise.allSettled([a?.close(), b?.close()])
    await a?.fxa.close()
  })

  const api = (jar: CookieJar, gate: TestGate, path: string, init: RequestInit = {}) =>
    jar.fetch(`${gate.url}/_gate${path}`, {
      ...init,
      headers: { accept: 'application/json', ...init.headers },
    })
  const revoke = (jar: CookieJar, gate: TestGate, body: unknown, headers: Record<string, string> = {}) =>
    api(jar, gate, '/sessions/revoke', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: gate.url, ...headers },
      body: JSON.stringify(body),
    })
  const list = async (jar: CookieJar, gate: TestGate) =>
    ((await (await api(jar, gate, '/sessions')).json()) as { sessions: { id: string; current: boolean }[] })
      .sessions

  async function twoBrowsers(email: string) {
    const first = createCookieJar()
    const second = createCookieJar()
    await loginThroughGate(first, a.url, email)
    await loginThroughGate(second, b.url, email)
    return { first, second }
  }

  it('lists the sessions of this user only, with opaque ids', async () => {
    const { first } = await twoBrowsers('lee@example.org')
    await loginThroughGate(createCookieJar(), a.url, 'someone-else@example.org')
    const sessions = await list(first, a)
    expect(sessions).toHaveLength(2)
    expect(sessions.filter((session) => session.current)).toHaveLength(1)
    const cookie = first.cookieHeader(a.url)
    for (const session of sessions) {
      expect(session.id).toMatch(/^[A-Za-z0-9_-]{22}$/)
      expect(cookie).not.toContain(session.id)
    }
  })

  it('ends the other session in the other replica within a second, and destroys its tokens', async () => {
    const { first, second } = await twoBrowsers('kim@example.org')
    const other = (await list(first, a)).find((session) => !session.current)!
    const destroyed = a.fxa.calls.destroy.length
    const response = await revoke(first, a, { session: other.id })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ revoked: 1 })
    // Destroyed in the background (the token reaper), so that a slow FxA never holds the user up.
    const destroyBy = Date.now() + 5000
    while (Date.now() < destroyBy && a.fxa.calls.destroy.length <= destroyed)
      await new Promise((resolve) => setTimeout(resolve, 50))
    expect(a.fxa.calls.destroy.length).toBeGreaterThan(destroyed)
    const deadline = Date.now() + 1000
    let status = 200
    while (Date.now() < deadline && status === 200) {
      status = (await api(second, b, '/userinfo')).status
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(status).toBe(401)
    expect((await api(first, b, '/userinfo')).status).toBe(200)
  })

  it('ends every session but this one, also from a form post', async () => {
    const { first, second } = await twoBrowsers('max@example.org')
    const third = createCookieJar()
    await loginThroughGate(third, a.url, 'max@example.org')
    const response = await second.fetch(`${b.url}/_gate/sessions/revoke`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'same-origin',
        accept: 'application/json',
      },
      body: 'all=true',
    })
    expect(await response.json()).toEqual({ revoked: 2 })
    expect((await api(first, a, '/userinfo')).status).toBe(401)
    expect((await api(third, a, '/userinfo')).status).toBe(401)
    expect(await list(second, b)).toHaveLength(1)
  })

  it('refuses anything but a same-origin request, before reading the body', async () => {
    const { first } = await twoBrowsers('eve@example.org')
    const crossSite: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'none' },
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { origin: '' },
    ]
    for (const headers of crossSite) {
      const response = await revoke(first, a, { all: true }, headers)
      expect(response.status, JSON.stringify(headers)).toBe(403)
      expect(await response.json()).toMatchObject({ error: 'SESSIONS_NOT_SAME_ORIGIN' })
    }
    expect(await list(first, a)).toHaveLength(2)
  })

  it('refuses an unknown id, someone else’s, and malformed bodies', async () => {
    const { first } = await twoBrowsers('ida@example.org')
    const stranger = createCookieJar()
    await loginThroughGate(stranger, a.url, 'stranger@example.org')
    const theirs = (await list(stranger, a))[0]!.id
    expect((await revoke(first, a, { session: theirs })).status).toBe(404)
    expect(await list(stranger, a)).toHaveLength(1)
    expect((await revoke(first, a, { session: 'A'.repeat(22) })).status).toBe(404)
    for (const body of [
      {},
      { session: 'short' },
      { all: 'yes' },
      { session: theirs, all: true },
      { all: true, extra: 1 },
      [1],
    ]) {
      expect((await revoke(first, a, body)).status, JSON.stringify(body)).toBe(400)
    }
    expect(await list(first, a)).toHaveLength(2)
  })

  it('ending the current session signs this browser out', async () => {
    const jar = createCookieJar()
    await loginThroughGate(jar, a.url, 'joy@example.org')
    const [mine] = await list(jar, a)
    const response = await revoke(jar, a, { session: mine!.id })
    expect(response.status).toBe(200)
    expect(response.headers.get('set-cookie')).toMatch(/Max-Age=0/)
    expect((await api(jar, a, '/sessions')).status).toBe(401)
  })
})
