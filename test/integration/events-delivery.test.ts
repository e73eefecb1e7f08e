import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { uidForEmail } from '../../dev/fake-fxa/index.ts'
import { createRedisEventState } from '../../src/events/redis-event-state.ts'
import { SIGNATURE_HEADER, verifyWebhookSignature } from '../../src/events/webhooks.ts'
import { testLayer } from '../contract/redis-harness.ts'
import { createCookieJar, loginThroughGate, startTestGate, type TestGate } from '../support/gate.ts'
import { eventStateContract } from '../unit/events/event-state-contract.ts'

const redisUrl = inject('redisUrl')
const EVENT = (name: string) => `https://schemas.accounts.firefox.com/event/${name}`

eventStateContract('redis', async () => {
  const keyPrefix = `es${randomBytes(4).toString('hex')}:`
  const layers = [testLayer(redisUrl, keyPrefix), testLayer(redisUrl, keyPrefix)]
  await Promise.all(layers.map((layer) => layer.ready(10_000)))
  return {
    state: createRedisEventState({ redis: layers[0]!, commandTimeoutMs: 1000 }),
    peer: createRedisEventState({ redis: layers[1]!, commandTimeoutMs: 1000 }),
    async cleanup() {
      const admin = layers[0]!.commands
      const keys = await admin.keys(`${keyPrefix}*`)
      for (const key of keys) await admin.del(key)
      await Promise.all(layers.map((layer) => layer.close()))
    },
  }
})

function postEvent(gate: TestGate, token: string) {
  return fetch(`${gate.url}/_gate/events/fxa`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  })
}

describe('when FxA’s keys cannot be fetched', () => {
  let gate: TestGate
  beforeAll(async () => {
    gate = await startTestGate({ redisUrl })
  })
  afterAll(() => gate?.close())

  it('answers 503 so that FxA delivers again, changes nothing, and processes the redelivery', async () => {
    const email = 'kim@example.org'
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, email)
    const token = await gate.fxa.signSet({ sub: uidForEmail(email), events: { [EVENT('delete-user')]: {} } })
    gate.fxa.setFailure('jwks', { status: 503 })
    try {
      expect((await postEvent(gate, token)).status).toBe(503)
      expect((await jar.fetch(`${gate.url}/_gate/userinfo`)).status).toBe(200)
    } finally {
      gate.fxa.setFailure('jwks', null)
    }
    const redelivered = await postEvent(gate, token)
    expect(redelivered.status).toBe(200)
    expect(await redelivered.json()).toEqual({ status: 'processed' })
    expect((await jar.fetch(`${gate.url}/_gate/userinfo`)).status).toBe(401)
  })
})

describe('an events issuer configured with a trailing slash, as FxA production sends it', () => {
  let gate: TestGate
  beforeAll(async () => {
    gate = await startTestGate({ redisUrl, env: { FXA_GATE_EVENTS_ISSUER: 'http://127.0.0.1:1/' } })
  })
  afterAll(() => gate?.close())

  it('accepts SETs from that issuer, with or without the slash, and refuses the discovery issuer', async () => {
    const events = { [EVENT('profile-change')]: {} }
    expect(
      (await postEvent(gate, await gate.fxa.signSet({ sub: 'u', events, iss: 'http://127.0.0.1:1/' })))
        .status,
    ).toBe(200)
    expect(
      (await postEvent(gate, await gate.fxa.signSet({ sub: 'u', events, iss: 'http://127.0.0.1:1' }))).status,
    ).toBe(200)
    expect((await postEvent(gate, await gate.fxa.signSet({ sub: 'u', events }))).status).toBe(401)
  })
})

describe('delete-user webhooks', () => {
  const secret = randomBytes(32).toString('hex')
  const received: Array<{ body: string; signature: string | undefined; at: number }> = []
  let answers: number[] = []
  let hook: Server
  let gate: TestGate
  let redis: Redis

  beforeAll(async () => {
    hook = createServer((req, res) => {
      let body = ''
      req.on('data', (chunk) => (body += chunk))
      req.on('end', () => {
        received.push({
          body,
          signature: req.headers[SIGNATURE_HEADER] as string | undefined,
          at: Date.now(),
        })
        res.writeHead(answers.shift() ?? 200).end()
      })
    })
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/fxa-deleted`
    gate = await startTestGate({
      redisUrl,
      env: { FXA_GATE_EVENTS_WEBHOOK_URLS: url, FXA_GATE_EVENTS_WEBHOOK_SECRET: secret },
    })
    redis = new Redis(redisUrl)
  })
  afterAll(async () => {
    await gate?.close()
    hook?.closeAllConnections()
    await new Promise((resolve) => hook?.close(resolve))
    redis?.disconnect()
  })

  it('tells the service, signed, retrying with back-off until it accepts; Redis keeps nothing of the user meanwhile', async () => {
    const email = 'wes@example.org'
    const uid = uidForEmail(email)
    await loginThroughGate(createCookieJar(), gate.url, email)
    answers = [503, 500]
    const token = await gate.fxa.signSet({
      sub: uid,
      events: { [EVENT('delete-user')]: {} },
      jti: 'delete-wes',
    })
    const started = Date.now()
    expect((await postEvent(gate, token)).status).toBe(200)
    // Acknowledged to FxA before the webhook is through; retries live in the process, not in Redis.
    for (const key of await redis.keys(`${gate.config.redisKeyPrefix}*`)) {
      const type = await redis.type(key)
      const value =
        type === 'string'
          ? await redis.get(key)
          : type === 'hash'
            ? await redis.hgetall(key)
            : type === 'zset'
              ? await redis.zrange(key, '0', '-1')
              : await redis.smembers(key)
      expect(`${key} ${JSON.stringify(value)}`).not.toContain(uid)
    }

    const deadline = Date.now() + 10_000
    while (received.length < 3 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20))
    expect(received).toHaveLength(3)
    for (const call of received) {
      expect(JSON.parse(call.body)).toMatchObject({ type: 'delete-user', uid, id: 'delete-wes' })
      expect(verifyWebhookSignature(secret, call.signature, call.body, Date.now())).toBe(true)
      expect(verifyWebhookSignature('x'.repeat(64), call.signature, call.body, Date.now())).toBe(false)
    }
    // Back-off: about 0.5–1 s, then 1–2 s.
    expect(received[1]!.at - received[0]!.at).toBeGreaterThanOrEqual(450)
    expect(received[2]!.at - received[1]!.at).toBeGreaterThanOrEqual(950)
    expect(received[0]!.at - started).toBeLessThan(2000)
    const metrics = await (await fetch(`${gate.adminUrl}/metrics`)).text()
    expect(metrics).toContain('fxa_gate_event_webhook_deliveries_total{outcome="delivered"} 1')
    expect(metrics).toContain('fxa_gate_event_webhook_deliveries_total{outcome="retried"} 2')
  })
})
