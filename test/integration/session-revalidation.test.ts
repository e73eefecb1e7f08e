import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { uidForEmail } from '../../dev/fake-fxa/index.ts'
import { createCookieJar, loginThroughGate, type TestGate } from '../support/gate.ts'
import { eventually, type Replicas, startReplicas } from '../support/replicas.ts'

const redisUrl = inject('redisUrl')
const INTERVAL_MS = 1000

/**
 * Sessions follow the account: access tokens live 2 s at the fake FxA, sessions are re-checked by
 * a refresh grant at most 1 s after their last check, on two replicas sharing Redis. The local
 * session caches keep their default 10 s, so anything one replica sees late travelled through Redis.
 */
describe('sessions follow the account (revalidation by refresh)', () => {
  let world: Replicas
  let a: TestGate
  let b: TestGate
  beforeAll(async () => {
    world = await startReplicas({
      count: 2,
      redisUrl,
      fxa: { accessTokenTtlSeconds: 2 },
      env: { FXA_GATE_SESSION_REVALIDATE_INTERVAL: `${INTERVAL_MS}ms` },
    })
    ;[a, b] = world.gates as [TestGate, TestGate]
  })
  afterAll(() => world?.close())

  async function signedIn(email: string) {
    const jar = createCookieJar()
    const landed = await loginThroughGate(jar, a.url, email)
    expect(landed.status).toBe(302)
    const cookie = jar.cookieHeader(a.url)
    const ask = (gate: TestGate) =>
      fetch(`${gate.url}/_gate/auth/nginx`, {
        headers: { cookie, 'x-original-url': 'https://app.example.com/x' },
      })
    const userinfo = async (gate: TestGate) =>
      (await fetch(`${gate.url}/_gate/userinfo`, { headers: { cookie } })).json() as Promise<
        Record<string, unknown>
      >
    return { cookie, ask, userinfo, uid: uidForEmail(email) }
  }

  it('keeps a session valid across several access-token expiries, with one refresh grant per interval for both replicas', async () => {
    const session = await signedIn('steady@example.org')
    const before = world.fxa.calls.refresh
    const started = Date.now()
    const statuses: number[] = []
    // 8 s: four access-token lifetimes, eight revalidation intervals; 160 requests alternating replicas.
    while (Date.now() - started < 8000) {
      statuses.push((await session.ask(statuses.length % 2 ? a : b)).status)
      await sleep(50)
    }
    const grants = world.fxa.calls.refresh - before
    expect(statuses.every((status) => status === 200)).toBe(true)
    // One per interval at most (a refresh is due 1 s after the last; the lock in Redis makes it one
    // for both replicas), and at least one per access-token lifetime.
    expect(grants).toBeGreaterThanOrEqual(4)
    expect(grants).toBeLessThanOrEqual(9)
    console.info(`${statuses.length} requests over 8 s on two replicas: ${grants} refresh grants`)
  })

  it('shows a profile change at the provider in /userinfo after the next revalidation', async () => {
    const session = await signedIn('renamed@example.org')
    expect((await session.userinfo(b)).displayName).not.toBe('Renamed Person')
    const user = world.fxa.users.get(session.uid)!
    user.displayName = 'Renamed Person'
    user.locale = 'de-DE'
    const took = await eventually(
      'the new name on both replicas',
      async () => {
        await session.ask(a)
        const [onA, onB] = await Promise.all([session.userinfo(a), session.userinfo(b)])
        return (
          onA.displayName === 'Renamed Person' &&
          onB.displayName === 'Renamed Person' &&
          onB.locale === 'de-DE'
        )
      },
      INTERVAL_MS + 3000,
    )
    console.info(`profile change seen on both replicas after ${took} ms`)
  })

  it('ends the session on both replicas within the interval (plus a small margin) of a disconnection at the provider', async () => {
    const session = await signedIn('disconnected@example.org')
    expect((await session.ask(a)).status).toBe(200)
    expect((await session.ask(b)).status).toBe(200)
    await world.fxa.account.disconnect(session.uid)
    const took = await eventually(
      'both replicas refuse the session',
      async () => {
        const [onA, onB] = await Promise.all([session.ask(a), session.ask(b)])
        return onA.status === 401 && onB.status === 401
      },
      INTERVAL_MS + 2000,
    )
    console.info(`disconnection ended the session on both replicas after ${took} ms`)
    // It stays ended.
    await sleep(INTERVAL_MS)
    expect((await session.ask(b)).status).toBe(401)
  })

  it('keeps serving sessions through a provider outage, backing off and counting failures, and recovers', async () => {
    const session = await signedIn('outage@example.org')
    const failures = async () => {
      const text = await (await fetch(`${a.adminUrl}/metrics`)).text()
      const b2 = await (await fetch(`${b.adminUrl}/metrics`)).text()
      const sum = (metrics: string) =>
        [...metrics.matchAll(/^fxa_gate_session_refresh_failures_total\{[^}]*\} (\d+)/gm)].reduce(
          (total, match) => total + Number(match[1]),
          0,
        )
      return sum(text) + sum(b2)
    }
    const failedBefore = await failures()
    const tokenCalls = world.fxa.calls.token
    world.fxa.setFailure('token', { status: 503, retryAfter: 1 })
    try {
      const started = Date.now()
      while (Date.now() - started < 5000) {
        expect((await session.ask(a)).status).toBe(200)
        expect((await session.ask(b)).status).toBe(200)
        await sleep(100)
      }
    } finally {
      world.fxa.setFailure('token', null)
    }
    const failed = (await failures()) - failedBefore
    const attempts = world.fxa.calls.token - tokenCalls
    expect(failed).toBeGreaterThanOrEqual(2)
    // Backed off: 100 requests in 5 s, a handful of attempts (1 s, 2 s, … apart), not one per request.
    expect(attempts).toBeLessThanOrEqual(6)
    const refreshes = world.fxa.calls.refresh
    await eventually(
      'a refresh after the outage',
      async () => {
        await session.ask(a)
        return world.fxa.calls.refresh > refreshes
      },
      6000,
    )
    expect((await session.ask(b)).status).toBe(200)
  })
})

describe('a generic OIDC provider that rotates refresh tokens', () => {
  let world: Replicas
  beforeAll(async () => {
    world = await startReplicas({
      count: 2,
      redisUrl,
      fxa: { accessTokenTtlSeconds: 2 },
      client: { rotateRefreshTokens: true },
      env: { FXA_GATE_SESSION_REVALIDATE_INTERVAL: '700ms' },
    })
  })
  afterAll(() => world?.close())

  it('stores each rotated refresh token, so the session survives many refreshes on both replicas', async () => {
    const [a, b] = world.gates as [TestGate, TestGate]
    const jar = createCookieJar()
    await loginThroughGate(jar, a.url, 'rotating@example.org')
    const cookie = jar.cookieHeader(a.url)
    const before = world.fxa.calls.refresh
    const started = Date.now()
    let asked = 0
    while (Date.now() - started < 5000) {
      const gate = asked++ % 2 ? a : b
      const answer = await fetch(`${gate.url}/_gate/auth/nginx`, {
        headers: { cookie, 'x-original-url': 'https://app.example.com/x' },
      })
      expect(answer.status).toBe(200)
      await sleep(50)
    }
    expect(world.fxa.calls.refresh - before).toBeGreaterThanOrEqual(4)
    // Rotation left exactly one live refresh token: the one the session holds now.
    expect(world.fxa.liveRefreshTokens({ uid: uidForEmail('rotating@example.org') })).toBe(1)
  })
})
