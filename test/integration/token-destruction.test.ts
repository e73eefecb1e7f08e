import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { uidForEmail } from '../../dev/fake-fxa/index.ts'
import { createCookieJar, loginThroughGate, type TestGate } from '../support/gate.ts'
import { eventually, type Replicas, startReplicas } from '../support/replicas.ts'

const redisUrl = inject('redisUrl')
const ADMIN_TOKEN = 'a'.repeat(40)
/** A logout as a browser sends it from a link on fxa-gate's own origin. */
const SAME_ORIGIN = { headers: { 'sec-fetch-site': 'same-origin' } }

/**
 * FxA asks relying parties to destroy their tokens whenever a session ends. Each ended session's
 * refresh token must be gone from the provider (no Connected Services entry left behind), however
 * the session ended, and without making the user wait for it.
 */
describe('tokens are destroyed whenever a session ends', () => {
  let world: Replicas
  let a: TestGate
  let b: TestGate
  beforeAll(async () => {
    world = await startReplicas({ count: 2, redisUrl, env: { FXA_GATE_ADMIN_TOKEN: ADMIN_TOKEN } })
    ;[a, b] = world.gates as [TestGate, TestGate]
  })
  afterAll(() => world?.close())

  const live = (email: string) => world.fxa.liveRefreshTokens({ uid: uidForEmail(email) })
  const noneLeft = (email: string, withinMs = 3000) =>
    eventually(`no live refresh token of ${email}`, async () => live(email) === 0, withinMs)

  async function login(email: string, gate = a, jar = createCookieJar()) {
    expect((await loginThroughGate(jar, gate.url, email)).status).toBe(302)
    return jar
  }

  it('on logout, without waiting for FxA', async () => {
    const email = 'logout-destroy@example.org'
    const jar = await login(email)
    expect(live(email)).toBe(1)
    // FxA takes 4 s to destroy a token; the logout must not wait for it.
    world.fxa.setFailure('destroy', { delayMs: 4000 })
    try {
      const started = Date.now()
      const out = await jar.fetch(`${b.url}/_gate/logout`, SAME_ORIGIN)
      expect(out.status).toBe(302)
      expect(Date.now() - started).toBeLessThan(3000)
      expect(live(email)).toBe(1)
    } finally {
      world.fxa.setFailure('destroy', null)
    }
    await noneLeft(email, 8000)
  })

  it('when a new login in the same browser replaces the session', async () => {
    const email = 'relogin@example.org'
    const jar = await login(email)
    await login(email, b, jar)
    await eventually('only the new session keeps a refresh token', async () => live(email) === 1, 3000)
    expect((await jar.fetch(`${a.url}/_gate/userinfo`)).status).toBe(200)
  })

  it('on operator revocation and on a password-change event (whose tokens FxA itself keeps)', async () => {
    const revoked = 'operator-destroy@example.org'
    await login(revoked)
    await login(revoked, b)
    expect(live(revoked)).toBe(2)
    const answer = await fetch(`${a.adminUrl}/sessions/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ user: uidForEmail(revoked) }),
    })
    expect(answer.status).toBe(200)
    await noneLeft(revoked)

    const changed = 'password-destroy@example.org'
    await login(changed)
    const { set } = await world.fxa.account.changePassword(uidForEmail(changed))
    // A confidential client's refresh token survives a password change at FxA: fxa-gate destroys it.
    expect(live(changed)).toBe(1)
    const delivered = await fetch(`${b.url}/_gate/events/fxa`, {
      method: 'POST',
      headers: { authorization: `Bearer ${set}` },
    })
    expect(delivered.status).toBe(200)
    await noneLeft(changed)
  })

  it('retries a destruction FxA could not take, until it can', async () => {
    const email = 'retry-destroy@example.org'
    const jar = await login(email)
    world.fxa.setFailure('destroy', { status: 503 })
    try {
      expect((await jar.fetch(`${a.url}/_gate/logout`, SAME_ORIGIN)).status).toBe(302)
      await sleep(1500)
      expect(live(email)).toBe(1)
    } finally {
      world.fxa.setFailure('destroy', null)
    }
    await noneLeft(email, 8000)
  })
})

describe('tokens of sessions that expire (a Redis TTL tells no one)', () => {
  let world: Replicas
  beforeAll(async () => {
    world = await startReplicas({
      count: 2,
      redisUrl,
      env: {
        FXA_GATE_SESSION_IDLE_TTL: '2s',
        FXA_GATE_SESSION_ABSOLUTE_TTL: '4s',
        FXA_GATE_SESSION_CACHE_TTL: '500ms',
      },
    })
  })
  afterAll(() => world?.close())

  it('are destroyed after idle expiry and after absolute expiry', async () => {
    const [a] = world.gates as [TestGate, TestGate]
    const idle = 'idle-expiry@example.org'
    const busy = 'absolute-expiry@example.org'
    const idleJar = createCookieJar()
    const busyJar = createCookieJar()
    await loginThroughGate(idleJar, a.url, idle)
    await loginThroughGate(busyJar, a.url, busy)
    const live = (email: string) => world.fxa.liveRefreshTokens({ uid: uidForEmail(email) })
    expect(live(idle) + live(busy)).toBe(2)
    // Keep one session busy so that only its absolute deadline ends it.
    const started = Date.now()
    while (Date.now() - started < 3500) {
      expect((await busyJar.fetch(`${a.url}/_gate/userinfo`)).status).toBe(200)
      await sleep(300)
    }
    expect((await idleJar.fetch(`${a.url}/_gate/userinfo`)).status).toBe(401)
    await eventually('the idle session’s refresh token is destroyed', async () => live(idle) === 0, 5000)
    await eventually('the expired session’s refresh token is destroyed', async () => live(busy) === 0, 6000)
    expect((await busyJar.fetch(`${a.url}/_gate/userinfo`)).status).toBe(401)
  })
})
