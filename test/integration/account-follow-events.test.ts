import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { uidForEmail } from '../../dev/fake-fxa/index.ts'
import { CLIENT_ID, createCookieJar, loginThroughGate, type TestGate } from '../support/gate.ts'
import { eventually, type Replicas, startReplicas } from '../support/replicas.ts'

const redisUrl = inject('redisUrl')

/**
 * Account events that FxA's own token handling does not cover: a password change leaves a
 * confidential client's tokens active at FxA (fxa-gate keeps a per-user high-water mark instead),
 * metrics consent must reach live sessions, and a profile change needs a fresh access token once
 * the session's has expired. Revalidation is slow here (1 h), so only the events act.
 */
describe('account events reach every replica', () => {
  let world: Replicas
  let a: TestGate
  let b: TestGate
  beforeAll(async () => {
    world = await startReplicas({
      count: 2,
      redisUrl,
      fxa: { accessTokenTtlSeconds: 2 },
      env: {
        FXA_GATE_SESSION_REVALIDATE_INTERVAL: '1h',
        FXA_GATE_RULES: JSON.stringify([{ paths: ['/api/*'], requiredScopes: ['profile'] }]),
      },
    })
    ;[a, b] = world.gates as [TestGate, TestGate]
  })
  afterAll(() => world?.close())

  const deliver = (gate: TestGate, set: string) =>
    fetch(`${gate.url}/_gate/events/fxa`, { method: 'POST', headers: { authorization: `Bearer ${set}` } })
  const api = (gate: TestGate, token: string) =>
    fetch(`${gate.url}/_gate/auth/nginx`, {
      headers: { authorization: `Bearer ${token}`, 'x-original-url': 'https://app.example.com/api/x' },
    })

  it('refuses, on both replicas within a second, a bearer token issued before a password change, and accepts one issued after', async () => {
    const uid = '7'.repeat(32)
    world.fxa.users.set(uid, { uid, email: 'highwater@example.org' })
    // A confidential client's token (long-lived): FxA keeps calling it active after the change.
    const old = await world.fxa.issueAccessToken({
      uid,
      clientId: CLIENT_ID,
      scope: 'profile',
      ttlSeconds: 3600,
    })
    expect((await api(a, old)).status).toBe(200)
    expect((await api(b, old)).status).toBe(200)
    await sleep(5)
    const { set } = await world.fxa.account.changePassword(uid)
    await sleep(5)
    const fresh = await world.fxa.issueAccessToken({
      uid,
      clientId: CLIENT_ID,
      scope: 'profile',
      ttlSeconds: 3600,
    })
    const introspected = await fetch(`${world.fxa.oauthUrl}/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: old }),
    })
    expect(await introspected.json()).toMatchObject({ active: true })

    expect((await deliver(a, set)).status).toBe(200)
    const took = await eventually(
      'both replicas refuse the old token',
      async () => (await api(a, old)).status === 401 && (await api(b, old)).status === 401,
      1000,
      20,
    )
    console.info(`token issued before the password change refused on both replicas after ${took} ms`)
    expect((await api(a, fresh)).status).toBe(200)
    expect((await api(b, fresh)).status).toBe(200)
  })

  it('flips X-User-Metrics-Enabled on live sessions of both replicas within a second of metrics-opt-out, and back', async () => {
    const email = 'optout@example.org'
    const jar = createCookieJar()
    await loginThroughGate(jar, a.url, email)
    const cookie = jar.cookieHeader(a.url)
    const header = async (gate: TestGate) =>
      (
        await fetch(`${gate.url}/_gate/auth/nginx`, {
          headers: { cookie, 'x-original-url': 'https://app.example.com/x' },
        })
      ).headers.get('x-user-metrics-enabled')
    expect(await header(a)).toBe('true')
    expect(await header(b)).toBe('true')

    expect(
      (await deliver(b, await world.fxa.account.setMetricsEnabled(uidForEmail(email), false))).status,
    ).toBe(200)
    await eventually(
      'opted out on both',
      async () => (await header(a)) === 'false' && (await header(b)) === 'false',
      1000,
      20,
    )
    expect(
      (await deliver(a, await world.fxa.account.setMetricsEnabled(uidForEmail(email), true))).status,
    ).toBe(200)
    await eventually(
      'opted in on both',
      async () => (await header(a)) === 'true' && (await header(b)) === 'true',
      1000,
      20,
    )
  })

  it('refetches the profile for a profile-change event through a refresh once the access token has expired', async () => {
    const email = 'moved@example.org'
    const jar = createCookieJar()
    await loginThroughGate(jar, a.url, email)
    const cookie = jar.cookieHeader(a.url)
    await sleep(2500) // the session's access token (2 s) has expired
    const refreshes = world.fxa.calls.refresh
    const set = await world.fxa.account.changeProfile(uidForEmail(email), {
      email: 'moved-again@example.org',
      displayName: 'Moved',
    })
    expect((await deliver(b, set)).status).toBe(200)
    const info = async (gate: TestGate) =>
      (await (await fetch(`${gate.url}/_gate/userinfo`, { headers: { cookie } })).json()) as Record<
        string,
        unknown
      >
    await eventually(
      'the new profile on both replicas',
      async () => {
        const [onA, onB] = await Promise.all([info(a), info(b)])
        return onA.displayName === 'Moved' && onB.email === 'moved-again@example.org'
      },
      1000,
    )
    expect(world.fxa.calls.refresh).toBeGreaterThan(refreshes)
  })
})
