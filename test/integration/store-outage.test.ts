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

  it('says not ready, answers logins and lookups with a clear 503, and recovers without a restart', async () => {
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'kim@example.org')
    expect((await fetch(`${gate.adminUrl}/readyz`)).status).toBe(200)

    await redis.stop()
    const ready = await fetch(`${gate.adminUrl}/readyz`)
    expect(ready.status).toBe(503)
    expect(await ready.json()).toMatchObject({ status: 'not ready', checks: { store: 'STORE_UNAVAILABLE' } })
    expect((await fetch(`${gate.adminUrl}/healthz`)).status).toBe(200)

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
    let readyAgain = false
    for (let i = 0; i < 100 && !readyAgain; i++) {
      readyAgain = (await fetch(`${gate.adminUrl}/readyz`)).status === 200
      if (!readyAgain) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(readyAgain).toBe(true)
    // The restarted Redis kept no data: the old session is gone, a new login works.
    expect((await jar.fetch(`${gate.url}/_gate/userinfo`)).status).toBe(401)
    const again = await loginThroughGate(jar, gate.url, 'kim@example.org')
    expect(again.status).toBe(302)
    expect((await jar.fetch(`${gate.url}/_gate/userinfo`)).status).toBe(200)
  })
})
