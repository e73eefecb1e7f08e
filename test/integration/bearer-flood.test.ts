import { randomBytes } from 'node:crypto'
import { Agent, request as httpRequest } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { FakeFxa } from '../../dev/fake-fxa/index.ts'
import { startTestFxa, startTestGate, type TestGate } from '../support/gate.ts'
import { freePort } from '../support/ports.ts'

const redisUrl = inject('redisUrl')
/** The configured rationing (the defaults): per client 2/s after a burst of 20, overall 20/s after 100. */
const PER_CLIENT = { rate: 2, burst: 20 }
const OVERALL = { rate: 20, burst: 100 }

/**
 * Keep-alive connections per source address: tens of thousands of short connections would leave as
 * many local ports in TIME_WAIT, and other tests' servers could not find a free port.
 */
const agents = new Map<string, Agent>()
function agentFor(from: string): Agent {
  let agent = agents.get(from)
  if (agent === undefined) {
    agent = new Agent({ keepAlive: true, maxSockets: 64, localAddress: from })
    agents.set(from, agent)
  }
  return agent
}

/** One check on the nginx endpoint, from a chosen loopback source address. */
function check(
  gate: TestGate,
  token: string,
  from = '127.0.0.1',
): Promise<{ status: number; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port: gate.port,
      path: '/_gate/auth/nginx',
      agent: agentFor(from),
      headers: {
        'x-original-url': 'https://app.example.com/api/thing',
        authorization: `Bearer ${token}`,
      },
    })
    req.once('error', reject)
    req.once('response', (res) => {
      res.resume()
      res.once('end', () => {
        const retryAfter = res.headers['retry-after']
        resolve({ status: res.statusCode ?? 0, ...(retryAfter === undefined ? {} : { retryAfter }) })
      })
    })
    req.end()
  })
}

/** Runs `count` tasks, `width` at a time. */
async function pool<T>(count: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count)
  let next = 0
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++
        results[i] = await task(i)
      }
    }),
  )
  return results
}

const bogus = () => randomBytes(32).toString('hex')

describe('bearer floods: unknown tokens are rationed, cached tokens keep working', () => {
  let fxa: FakeFxa
  let gate: TestGate
  let redis: Redis
  let cached: string

  beforeAll(async () => {
    const port = await freePort()
    fxa = await startTestFxa([port])
    gate = await startTestGate({
      fxa,
      port,
      redisUrl,
      env: { FXA_GATE_BEARER_TIMEOUT: '5s', FXA_GATE_BEARER_ALLOWED_CLIENTS: 'fxa-gate-test' },
    })
    redis = new Redis(redisUrl)
    const uid = 'a'.repeat(32)
    fxa.users.set(uid, { uid, email: 'api@example.org' })
    cached = await fxa.issueAccessToken({ uid, clientId: 'fxa-gate-test', scope: 'profile' })
    expect((await check(gate, cached)).status).toBe(200)
  })
  afterAll(async () => {
    for (const agent of agents.values()) agent.destroy()
    redis?.disconnect()
    await gate?.close()
    await fxa?.close()
  })

  it('20,000 distinct bogus tokens from one client: at most 20 + 2/s FxA calls, no Redis key, cached token always 200', async () => {
    const before = fxa.calls.introspect
    const started = Date.now()
    const statuses = new Map<number, number>()
    const cachedFailures: number[] = []
    await pool(20_000, 64, async (i) => {
      if (i % 200 === 0) {
        const answer = await check(gate, cached)
        if (answer.status !== 200) cachedFailures.push(answer.status)
      }
      const { status } = await check(gate, bogus())
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
    })
    const seconds = (Date.now() - started) / 1000
    const calls = fxa.calls.introspect - before
    // The bound the rationing promises, whatever the speed of this machine.
    const bound = PER_CLIENT.burst + Math.ceil(PER_CLIENT.rate * seconds)
    console.info(
      `bearer flood: 20,000 bogus tokens in ${seconds.toFixed(1)} s, ${calls} FxA calls (bound ${bound})`,
    )
    expect(calls).toBeGreaterThanOrEqual(1)
    expect(calls).toBeLessThanOrEqual(bound)
    expect(cachedFailures).toEqual([])
    // Checked tokens are refused (401); the rest are told to come back later (429), never let in or a 5xx.
    expect([...statuses.keys()].sort()).toEqual([401, 429])
    expect(statuses.get(401)).toBe(calls)
    // Negative results take no shared memory: no Redis key per bogus token.
    const prefix = gate.config.redisKeyPrefix
    const keys = await redis.keys(`${prefix}t:*`)
    expect(keys.length).toBeLessThanOrEqual(1)
  }, 300_000)

  it('a flood from 40 addresses is held to the overall budget: at most 100 + 20/s FxA calls', async () => {
    const before = fxa.calls.introspect
    const started = Date.now()
    const statuses = new Set<number>()
    const cachedFailures: number[] = []
    await pool(4_000, 40, async (i) => {
      const from = `127.0.0.${10 + (i % 40)}`
      if (i % 100 === 0) {
        const answer = await check(gate, cached, from)
        if (answer.status !== 200) cachedFailures.push(answer.status)
      }
      statuses.add((await check(gate, bogus(), from)).status)
    })
    const seconds = (Date.now() - started) / 1000
    const calls = fxa.calls.introspect - before
    const bound = OVERALL.burst + Math.ceil(OVERALL.rate * seconds)
    console.info(
      `bearer flood: 4,000 bogus tokens from 40 addresses in ${seconds.toFixed(1)} s, ${calls} FxA calls (bound ${bound})`,
    )
    expect(calls).toBeLessThanOrEqual(bound)
    expect(cachedFailures).toEqual([])
    for (const status of statuses) expect([401, 429, 503]).toContain(status)
  }, 300_000)

  it('opens a circuit breaker when FxA answers 429: no call until its Retry-After, cached tokens still 200', async () => {
    await sleep((OVERALL.burst / OVERALL.rate) * 1000) // the overall budget refills
    fxa.setFailure('introspect', { status: 429, retryAfter: 3 })
    try {
      const first = await check(gate, bogus(), '127.0.0.60')
      expect(first.status).toBe(503)
      expect(first.retryAfter).toBeDefined()
      const before = fxa.calls.introspect
      const started = Date.now()
      const answers = await pool(600, 30, async (i) =>
        check(gate, i % 10 === 0 ? cached : bogus(), `127.0.0.${61 + (i % 30)}`),
      )
      const seconds = (Date.now() - started) / 1000
      // At most one probe per Retry-After window.
      expect(fxa.calls.introspect - before).toBeLessThanOrEqual(Math.ceil(seconds / 3))
      answers.forEach((answer, i) => {
        if (i % 10 === 0) expect(answer.status, 'cached token').toBe(200)
        else {
          expect(answer.status).toBe(503)
          expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1)
        }
      })
    } finally {
      fxa.setFailure('introspect', null)
    }
    // Once FxA answers again (after Retry-After), new tokens are checked as before.
    await sleep(3_100)
    const uid = 'b'.repeat(32)
    fxa.users.set(uid, { uid, email: 'late@example.org' })
    const fresh = await fxa.issueAccessToken({ uid, clientId: 'fxa-gate-test', scope: 'profile' })
    expect((await check(gate, fresh, '127.0.0.99')).status).toBe(200)
  }, 120_000)
})
