import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sameOrigin, signIn, until, userinfo } from '../../support/faults.ts'
import { startTestGate, type TestGate } from '../../support/gate.ts'
import { type RedisServer, startRedis } from '../../support/redis.ts'

/** D4. A logout that cannot reach Redis must not tell the browser it signed out. */

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

const clearsSessionCookie = (response: Response) =>
  response.headers.getSetCookie().some((line) => /^fxa_gate=;/.test(line))

describe('logout while Redis does not answer', () => {
  it('keeps the cookie, says the user is still signed in, and works once Redis is back', async () => {
    const session = await signIn(gate, 'out@example.org')
    process.kill(redis.pid, 'SIGSTOP')
    let page: Response
    let api: Response
    try {
      page = await session.jar.fetch(`${gate.url}/_gate/logout`, {
        method: 'POST',
        headers: { ...sameOrigin(gate), accept: 'text/html', 'sec-fetch-mode': 'navigate' },
      })
      api = await session.jar.fetch(`${gate.url}/_gate/logout`, {
        method: 'POST',
        headers: { ...sameOrigin(gate), accept: 'application/json' },
      })
    } finally {
      process.kill(redis.pid, 'SIGCONT')
    }
    for (const response of [page, api]) {
      expect(response.status).toBe(503)
      expect(clearsSessionCookie(response)).toBe(false)
      expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/)
    }
    expect(await page.text()).toMatch(/still signed in/i)
    expect(await api.json()).toMatchObject({ error: 'LOGOUT_INCOMPLETE' })

    // The session does still work, and the browser still holds the cookie to end it with.
    await until(async () => (await userinfo(gate, session)).status === 200, 10_000, 50)
    const retried = await session.jar.fetch(`${gate.url}/_gate/logout`, {
      method: 'POST',
      headers: sameOrigin(gate),
    })
    expect(retried.status).toBe(303)
    expect(clearsSessionCookie(retried)).toBe(true)
    expect((await userinfo(gate, session)).status).toBe(401)
  })
})
