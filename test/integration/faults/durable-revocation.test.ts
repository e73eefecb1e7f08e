import { afterEach, describe, expect, it } from 'vitest'
import {
  ADMIN_TOKEN,
  adminRevoke,
  EVENT,
  postEvent,
  sameOrigin,
  signIn,
  userinfo,
} from '../../support/faults.ts'
import { startTestGate, type TestGate, untilReady } from '../../support/gate.ts'
import { type ReplicatedSentinel, startReplicatedSentinel } from '../../support/redis.ts'

/**
 * D1. Writes that end or narrow a session are confirmed by the replicas (WAIT) before fxa-gate
 * says they are done. A master, a replica replicating through a relay, and a Sentinel: the relay
 * lags or freezes replication, then the master is killed and the replica promoted.
 */

let redis: ReplicatedSentinel | undefined
let gate: TestGate | undefined
afterEach(async () => {
  await gate?.close()
  await redis?.stop()
  gate = undefined
  redis = undefined
})

async function setUp(): Promise<{ redis: ReplicatedSentinel; gate: TestGate }> {
  redis = await startReplicatedSentinel()
  gate = await startTestGate({
    redisUrl: redis.url,
    // No local cache: every probe below asks Redis, so what it answers is what Redis holds.
    env: {
      FXA_GATE_SESSION_CACHE_TTL: '0',
      FXA_GATE_REDIS_WAIT_TIMEOUT: '1s',
      FXA_GATE_ADMIN_TOKEN: ADMIN_TOKEN,
    },
  })
  return { redis, gate }
}

/** Sends again after each 503, as its Retry-After says (capped at 1 s here), up to five times. */
async function retrying(send: () => Promise<Response>): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const response = await send()
    if (response.status !== 503 || attempt === 5) return response
    const seconds = Number(response.headers.get('retry-after'))
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, seconds * 1000)))
  }
}

/** 40 probes of the session: how many were let in. */
async function admitted(target: TestGate, session: Parameters<typeof userinfo>[1]): Promise<number> {
  let ok = 0
  for (let i = 0; i < 40; i++) if ((await userinfo(target, session)).status === 200) ok++
  return ok
}

describe('durable revocation across a Sentinel failover', () => {
  it('waits for a lagging replica before confirming, so the revoked session stays revoked on the promoted replica', async () => {
    const { redis, gate } = await setUp()
    const session = await signIn(gate, 'lag@example.org')
    redis.replication.lag(300, 'toClient')

    const started = performance.now()
    const response = await adminRevoke(gate, session.uid)
    const took = performance.now() - started
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ user: session.uid, ended: 1 })

    await redis.failOver()
    await untilReady(gate.adminUrl, 30_000)
    console.info(
      `revoke with a replica lagging 300 ms: 200 after ${took.toFixed(0)} ms; after the failover 0 of 40 probes may pass`,
    )
    expect(await admitted(gate, session)).toBe(0)
  })

  it('answers 503 with Retry-After when the replica does not confirm, and the retry after the failover holds', async () => {
    const { redis, gate } = await setUp()
    const revoked = await signIn(gate, 'frozen@example.org')
    const loggedOut = await signIn(gate, 'logout@example.org')
    const changed = await signIn(gate, 'password@example.org')
    redis.replication.freeze()

    const started = performance.now()
    const response = await adminRevoke(gate, revoked.uid)
    const took = performance.now() - started
    const logout = await loggedOut.jar.fetch(`${gate.url}/_gate/logout`, {
      method: 'POST',
      headers: { ...sameOrigin(gate), accept: 'application/json' },
    })
    const token = await gate.fxa.signSet({
      sub: changed.uid,
      events: { [EVENT('password-change')]: { changeTime: Date.now() + 1000 } },
    })
    const event = await postEvent(gate, token)

    await redis.failOver()
    await untilReady(gate.adminUrl, 30_000)
    // Every change that was confirmed must hold on the promoted replica.
    const outcomes = [
      { what: 'revoke', answer: response.status, session: revoked },
      { what: 'logout', answer: logout.status, session: loggedOut },
      { what: 'password-change', answer: event.status, session: changed },
    ]
    for (const { what, answer, session } of outcomes) {
      if (answer < 300) expect(await admitted(gate, session), `${what} answered ${answer}`).toBe(0)
    }
    console.info(
      `revoke with replication frozen: ${response.status} after ${took.toFixed(0)} ms; logout ${logout.status}; password-change event ${event.status}`,
    )
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/)
    expect(await response.json()).toMatchObject({ error: 'REPLICATION_UNCONFIRMED' })
    expect(logout.status).toBe(503)
    expect(logout.headers.getSetCookie().join()).not.toContain('fxa_gate=;')
    expect(event.status).toBe(503)
    expect(event.headers.get('retry-after')).toMatch(/^[1-9]\d*$/)

    // What FxA and the operator do next: try again. The promoted replica has no replica of its own.
    const retried = await retrying(() => adminRevoke(gate, revoked.uid))
    expect(retried.status).toBe(200)
    expect(await admitted(gate, revoked)).toBe(0)
    expect((await retrying(() => postEvent(gate, token))).status).toBe(200)
    expect(await admitted(gate, changed)).toBe(0)
    const again = await loggedOut.jar.fetch(`${gate.url}/_gate/logout`, {
      method: 'POST',
      headers: sameOrigin(gate),
    })
    expect(again.status).toBe(303)
    expect(await admitted(gate, loggedOut)).toBe(0)
  })
})
