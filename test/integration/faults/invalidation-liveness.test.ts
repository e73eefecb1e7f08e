import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { FakeFxa } from '../../../dev/fake-fxa/index.ts'
import { ADMIN_TOKEN, adminRevoke, signIn, until, userinfo } from '../../support/faults.ts'
import { distinctPorts, startTestFxa, startTestGate, type TestGate } from '../../support/gate.ts'
import { type Relay, startRelay } from '../../support/relay.ts'

/**
 * D3. Replica A reaches Redis through a relay; replica B directly. A's pub/sub connection is frozen
 * silently (no RST, no FIN), then B revokes a session that A has in its local cache (10 s).
 */

const redisUrl = inject('redisUrl')
let fxa: FakeFxa
let relay: Relay
let a: TestGate
let b: TestGate

beforeAll(async () => {
  const ports = await distinctPorts(2)
  fxa = await startTestFxa(ports)
  relay = await startRelay({ port: Number(new URL(redisUrl).port) })
  const shared = {
    fxa,
    cookieSecrets: randomBytes(32).toString('hex'),
    env: {
      FXA_GATE_REDIS_KEY_PREFIX: `live${randomBytes(4).toString('hex')}:`,
      FXA_GATE_SESSION_CACHE_TTL: '10s',
      FXA_GATE_ADMIN_TOKEN: ADMIN_TOKEN,
    },
  }
  a = await startTestGate({ ...shared, port: ports[0], redisUrl: `redis://127.0.0.1:${relay.port}` })
  b = await startTestGate({ ...shared, port: ports[1], redisUrl })
})
afterAll(async () => {
  await a?.close()
  await b?.close()
  await relay?.close()
  await fxa?.close()
})

const subscribers = (connection: { clientHello(): string }) => /subscribe/i.test(connection.clientHello())

describe('a pub/sub connection that dies silently', () => {
  it('stops the local cache from serving within 2 s, so a session revoked elsewhere is refused', async () => {
    const session = await signIn(a, 'silent@example.org')
    for (let i = 0; i < 3; i++) expect((await userinfo(a, session)).status).toBe(200)

    expect(relay.freeze(subscribers)).toBeGreaterThan(0)
    const frozenAt = performance.now()
    expect((await adminRevoke(b, session.uid)).status).toBe(200)
    expect((await userinfo(b, session)).status).toBe(401)

    const refusedAfter = await until(async () => (await userinfo(a, session)).status !== 200, 5000, 20)
    const sinceFreeze = performance.now() - frozenAt
    console.info(
      `silent freeze of the subscriber: replica A stopped serving the revoked session ${sinceFreeze.toFixed(0)} ms after the freeze (${refusedAfter.toFixed(0)} ms after the revocation)`,
    )
    expect(sinceFreeze).toBeLessThan(2000)
    expect((await userinfo(a, session)).status).toBe(401)
  })

  it('reconnects the subscriber and serves from its cache again', async () => {
    // The frozen connection is abandoned and a new one (not frozen) takes over.
    await until(() => a.store.invalidationsLive(), 10_000)
    const session = await signIn(a, 'back@example.org')
    expect((await userinfo(a, session)).status).toBe(200)
    expect((await adminRevoke(b, session.uid)).status).toBe(200)
    await until(async () => (await userinfo(a, session)).status === 401, 2000)
  })
})
