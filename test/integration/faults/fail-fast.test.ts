import { afterEach, describe, expect, it } from 'vitest'
import {
  ADMIN_TOKEN,
  adminRevoke,
  EVENT,
  postEvent,
  type SignedIn,
  signIn,
  until,
  userinfo,
} from '../../support/faults.ts'
import { startTestGate, type TestGate } from '../../support/gate.ts'
import {
  type RedisClusterServers,
  type RedisServer,
  startRedis,
  startRedisCluster,
} from '../../support/redis.ts'

/**
 * D10. Every Redis command has a deadline and fails fast when it passes; a command that timed out
 * must not take effect later where that would block a retry.
 */

let cluster: RedisClusterServers | undefined
let redis: RedisServer | undefined
let gate: TestGate | undefined
afterEach(async () => {
  await gate?.close()
  await cluster?.stop()
  await redis?.stop()
  gate = undefined
  cluster = undefined
  redis = undefined
})

describe('a Redis Cluster failover', () => {
  it('answers every request within the command deadline while a master is replaced, then serves again', async () => {
    cluster = await startRedisCluster({ replicas: true })
    gate = await startTestGate({
      redisUrl: cluster.url,
      env: {
        FXA_GATE_SESSION_CACHE_TTL: '0',
        FXA_GATE_REDIS_COMMAND_TIMEOUT: '250ms',
        FXA_GATE_ADMIN_TOKEN: ADMIN_TOKEN,
      },
    })
    const sessions: SignedIn[] = []
    for (let i = 0; i < 12; i++) sessions.push(await signIn(gate, `cluster-${i}@example.org`))
    for (const session of sessions) expect((await userinfo(gate, session)).status).toBe(200)
    // Revocations are confirmed by the replica of each master that holds a session (WAIT per node).
    for (const session of sessions.slice(0, 3)) {
      expect((await adminRevoke(gate, session.uid)).status).toBe(200)
      expect((await userinfo(gate, session)).status).toBe(401)
    }
    sessions.splice(0, 3)

    process.kill(cluster.nodes[0]!.pid, 'SIGKILL')
    const durations: number[] = []
    const statuses = new Set<number>()
    const started = performance.now()
    while (performance.now() - started < 6000) {
      await Promise.all(
        sessions.map(async (session) => {
          const t = performance.now()
          const answer = await userinfo(gate!, session)
          durations.push(performance.now() - t)
          statuses.add(answer.status)
          await answer.arrayBuffer()
        }),
      )
    }
    const slowest = Math.max(...durations)
    console.info(
      `cluster failover: ${durations.length} requests in 6 s, slowest ${slowest.toFixed(0)} ms (command deadline 250 ms), statuses ${[...statuses].join(',')}`,
    )
    expect([...statuses].every((status) => status === 200 || status === 503)).toBe(true)
    expect(slowest).toBeLessThan(1500)
    await until(
      async () => (await Promise.all(sessions.map((s) => userinfo(gate!, s)))).every((r) => r.status === 200),
      20_000,
      200,
    )
  })
})

describe('an event claim that times out while Redis hangs', () => {
  it('does not take effect when Redis resumes, so the redelivery is processed at once', async () => {
    redis = await startRedis()
    gate = await startTestGate({ redisUrl: redis.url, env: { FXA_GATE_SESSION_CACHE_TTL: '0' } })
    const session = await signIn(gate, 'hang@example.org')
    const token = await gate.fxa.signSet({
      sub: session.uid,
      events: { [EVENT('password-change')]: { changeTime: Date.now() + 1000 } },
    })
    process.kill(redis.pid, 'SIGSTOP')
    let first: Response
    try {
      first = await postEvent(gate, token)
    } finally {
      process.kill(redis.pid, 'SIGCONT')
    }
    expect(first.status).toBe(503)
    await until(async () => (await fetch(`${gate!.adminUrl}/readyz`)).status === 200, 10_000, 50)

    const redelivered = await postEvent(gate, token)
    expect(redelivered.status).toBe(200)
    expect(await redelivered.json()).toEqual({ status: 'processed' })
    expect((await userinfo(gate, session)).status).toBe(401)
  })
})
