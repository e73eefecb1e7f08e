import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCookieJar, loginThroughGate, startTestGate, type TestGate } from '../support/gate.ts'
import { metricValue } from '../support/gate-process.ts'
import { type RedisServer, startRedis } from '../support/redis.ts'

async function redisUp(gate: TestGate): Promise<number | undefined> {
  const text = await (await fetch(`${gate.adminUrl}/metrics`)).text()
  return metricValue(text, 'fxa_gate_dependency_up', { dependency: 'redis' })
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await sleep(100)
  }
  return false
}

describe('readiness while the shared Redis is frozen (SIGSTOP)', () => {
  let redis: RedisServer
  let gate: TestGate
  let frozen = false
  beforeAll(async () => {
    redis = await startRedis()
    gate = await startTestGate({ redisUrl: redis.url })
  })
  afterAll(async () => {
    if (frozen) process.kill(redis.pid, 'SIGCONT')
    await gate?.close()
    await redis?.stop()
  })

  it('keeps /readyz at 200, shows redis down in fxa_gate_dependency_up and /healthz?verbose, and up again after', async () => {
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'rita@example.org')
    expect(await redisUp(gate)).toBe(1)

    process.kill(redis.pid, 'SIGSTOP')
    frozen = true
    const frozenAt = Date.now()
    // A frozen server holds its connections open and answers nothing: commands time out (1 s).
    expect(await until(async () => (await redisUp(gate)) === 0, 15_000)).toBe(true)
    const ready = await fetch(`${gate.adminUrl}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { lifecycle: 'ok' } })
    const verbose = await (await fetch(`${gate.adminUrl}/healthz?verbose`)).json()
    expect(verbose).toMatchObject({
      checks: { store: 'STORE_UNAVAILABLE' },
      dependencies: { redis: { up: false } },
    })

    const downAfter = Date.now() - frozenAt
    process.kill(redis.pid, 'SIGCONT')
    frozen = false
    const thawedAt = Date.now()
    expect(await until(async () => (await redisUp(gate)) === 1, 15_000)).toBe(true)
    console.log(
      `redis frozen: down after ${downAfter} ms, up again ${Date.now() - thawedAt} ms after SIGCONT`,
    )
    expect((await jar.fetch(`${gate.url}/_gate/userinfo`)).status).toBe(200)
  }, 40_000)
})
