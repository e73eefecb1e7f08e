import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCookieJar, loginThroughGate, startTestGate, type TestGate } from '../support/gate.ts'
import { type RedisServer, startRedis } from '../support/redis.ts'

describe('when Redis goes away and comes back', () => {
  let redis: RedisServer
  let gate: TestGate
  beforeAll(async () => {
    redis = await startRedis()
    gate = await startTestGate({ redisUrl: redis.url, env: { FXA_GATE_SESSION_CACHE_TTL: '0' } })
  })
  afterAll(async () => {
    await gate?.close()
    await redis?.stop()
  })

  it('stays ready, says so in /healthz?verbose, answers logins and lookups with a clear 503, and recovers without a restart', async () => {
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'kim@example.org')
    expect((await fetch(`${gate.adminUrl}/readyz`)).status).toBe(200)

    await redis.stop()
    // Every replica shares this Redis: readiness must not take them all out of service at once.
    expect((await fetch(`${gate.adminUrl}/readyz`)).status).toBe(200)
    const health = await fetch(`${gate.adminUrl}/healthz?verbose`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', checks: { store: 'STORE_UNAVAILABLE' } })

    const started = Date.now()
    const login = await fetch(`${gate.url}/_gate/start`, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
    })
    expect(login.status).toBe(503)
    expect(await login.json()).toMatchObject({
      error: 'STORE_UNAVAILABLE',
      message: expect.stringContaining('session store'),
    })
    const page = await fetch(`${gate.url}/_gate/start`, {
      headers: { accept: 'text/html' },
      redirect: 'manual',
    })
    expect(page.status).toBe(503)
    expect(await page.text()).toContain('session store cannot be reached')
    const lookup = await jar.fetch(`${gate.url}/_gate/userinfo`)
    expect(lookup.status).toBe(503)
    expect(Date.now() - started).toBeLessThan(10_000)

    await redis.restart()
    let storeAgain = false
    for (let i = 0; i < 100 && !storeAgain; i++) {
      const verbose = (await (await fetch(`${gate.adminUrl}/healthz?verbose`)).json()) as {
        checks: { store: string }
      }
      storeAgain = verbose.checks.store === 'ok'
      if (!storeAgain) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(storeAgain).toBe(true)
    // The restarted Redis kept no data: the old session is gone, a new login works.
    expect((await jar.fetch(`${gate.url}/_gate/userinfo`)).status).toBe(401)
    const again = await loginThroughGate(jar, gate.url, 'kim@example.org')
    expect(again.status).toBe(302)
    expect((await jar.fetch(`${gate.url}/_gate/userinfo`)).status).toBe(200)
  })
})

describe('with FXA_GATE_READINESS_DEPENDENCIES=true (the strict behaviour)', () => {
  let redis: RedisServer
  let gate: TestGate
  beforeAll(async () => {
    redis = await startRedis()
    gate = await startTestGate({ redisUrl: redis.url, env: { FXA_GATE_READINESS_DEPENDENCIES: 'true' } })
  })
  afterAll(async () => {
    await gate?.close()
    await redis?.stop()
  })

  it('says not ready while Redis is away, and ready again when it is back', async () => {
    expect((await fetch(`${gate.adminUrl}/readyz`)).status).toBe(200)
    await redis.stop()
    const ready = await fetch(`${gate.adminUrl}/readyz`)
    expect(ready.status).toBe(503)
    expect(await ready.json()).toMatchObject({
      status: 'not ready',
      checks: { lifecycle: 'ok', store: 'STORE_UNAVAILABLE' },
    })
    expect((await fetch(`${gate.adminUrl}/healthz`)).status).toBe(200)
    await redis.restart()
    let readyAgain = false
    for (let i = 0; i < 100 && !readyAgain; i++) {
      readyAgain = (await fetch(`${gate.adminUrl}/readyz`)).status === 200
      if (!readyAgain) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(readyAgain).toBe(true)
  })
})
