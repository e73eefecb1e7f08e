import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signIn, userinfo } from '../../support/faults.ts'
import { startTestGate, type TestGate } from '../../support/gate.ts'
import { type RedisServer, startRedis } from '../../support/redis.ts'

/**
 * D9. An outage of a dependency is expected: it is logged without a stack trace, at most one line
 * per code per second, each with the number of failures it stands for.
 */

let redis: RedisServer
let gate: TestGate
beforeAll(async () => {
  redis = await startRedis()
  gate = await startTestGate({
    redisUrl: redis.url,
    captureLogs: true,
    env: { FXA_GATE_SESSION_CACHE_TTL: '0' },
  })
})
afterAll(async () => {
  await gate?.close()
  await redis?.stop()
})

describe('logging during a Redis outage', () => {
  it('writes at most one line per code per second, without a stack, counting the failures', async () => {
    const session = await signIn(gate, 'quiet@example.org')
    await redis.stop()
    const before = gate.logs().length
    const started = performance.now()
    let failed = 0
    const workers = Array.from({ length: 8 }, async () => {
      while (performance.now() - started < 2500) {
        if ((await userinfo(gate, session)).status === 503) failed++
      }
    })
    await Promise.all(workers)
    const seconds = (performance.now() - started) / 1000
    // The count of the last window is written when the window closes.
    await new Promise((resolve) => setTimeout(resolve, 1200))
    const lines = gate.logs().slice(before)
    const aboutStore = lines.filter((line) => line['code'] === 'STORE_UNAVAILABLE')
    const bytes = lines.reduce((sum, line) => sum + JSON.stringify(line).length, 0)
    console.info(
      `${failed} requests failed in ${seconds.toFixed(1)} s of outage: ${lines.length} log lines, ${bytes} bytes (${aboutStore.length} about STORE_UNAVAILABLE)`,
    )
    expect(failed).toBeGreaterThan(50)
    expect(JSON.stringify(lines)).not.toMatch(/"stack"|\\n\s+at /)
    expect(aboutStore.length).toBeGreaterThan(0)
    expect(aboutStore.length).toBeLessThanOrEqual(Math.ceil(seconds) + 2)
    const counted = aboutStore.reduce((sum, line) => sum + Number(line['count'] ?? 0), 0)
    expect(counted).toBe(failed)
    expect(lines.length).toBeLessThanOrEqual(2 * (Math.ceil(seconds) + 2))
  })
})
