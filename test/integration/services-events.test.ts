import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { uidForEmail } from '../../dev/fake-fxa/index.ts'
import { SIGNATURE_HEADER, verifyWebhookSignature } from '../../src/events/webhooks.ts'
import { createCookieJar, loginThroughGate, startTestGate, type TestGate } from '../support/gate.ts'

const EVENT = (name: string) => `https://schemas.accounts.firefox.com/event/${name}`

describe('an account deletion, for services with nodes and webhooks', () => {
  const secret = randomBytes(32).toString('hex')
  const received: {
    path: string
    raw: string
    body: Record<string, unknown>
    signature: string | undefined
  }[] = []
  let hook: Server
  let gate: TestGate
  let redis: Redis

  beforeAll(async () => {
    hook = createServer((req, res) => {
      let body = ''
      req.on('data', (chunk) => (body += chunk))
      req.on('end', () => {
        received.push({
          path: req.url ?? '',
          raw: body,
          body: JSON.parse(body) as Record<string, unknown>,
          signature: req.headers[SIGNATURE_HEADER] as string | undefined,
        })
        res.writeHead(200).end()
      })
    })
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`
    const services = [
      {
        name: 'drive',
        hosts: ['drive.example.com'],
        audience: 'drive',
        webhookUrls: [`${base}/drive`],
        nodes: [{ url: 'https://d1.example.com', capacity: 1 }],
      },
      { name: 'mail', hosts: ['mail.example.com'], audience: 'mail', webhookUrls: [`${base}/mail`] },
    ]
    gate = await startTestGate({
      redisUrl: inject('redisUrl'),
      env: {
        FXA_GATE_SERVICES: JSON.stringify(services),
        FXA_GATE_EVENTS_WEBHOOK_URLS: `${base}/all`,
        FXA_GATE_EVENTS_WEBHOOK_SECRET: secret,
      },
    })
    redis = new Redis(inject('redisUrl'))
  })
  afterAll(async () => {
    await gate?.close()
    hook?.closeAllConnections()
    await new Promise((resolve) => hook?.close(resolve))
    redis?.disconnect()
  })

  it("tells every service's webhooks, naming the service, and frees the user's place on its node", async () => {
    const email = 'leaving@example.org'
    const uid = uidForEmail(email)
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, email)
    const placed = await jar.fetch(`${gate.url}/_gate/token/drive`)
    expect(((await placed.json()) as { node: string }).node).toBe('https://d1.example.com')
    const users = `${gate.config.redisKeyPrefix}nu:{drive}`
    expect(await redis.hget(users, uid)).toMatch(/ https:\/\/d1\.example\.com$/)

    const token = await gate.fxa.signSet({ sub: uid, events: { [EVENT('delete-user')]: {} }, jti: 'bye' })
    const answer = await fetch(`${gate.url}/_gate/events/fxa`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(answer.status).toBe(200)
    expect(await redis.hget(users, uid)).toBeNull()
    for (const key of await redis.keys(`${gate.config.redisKeyPrefix}*`)) {
      const value = (await redis.type(key)) === 'hash' ? await redis.hgetall(key) : ''
      expect(`${key} ${JSON.stringify(value)}`).not.toContain(uid)
    }
    const nodes = `${gate.config.redisKeyPrefix}nt:{drive}`
    const state = JSON.parse((await redis.hget(nodes, 'https://d1.example.com'))!) as { l: number }
    expect(state.l).toBe(0)

    const deadline = Date.now() + 10_000
    while (received.length < 3 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20))
    const byPath = Object.fromEntries(received.map((call) => [call.path, call]))
    expect(Object.keys(byPath).sort()).toEqual(['/all', '/drive', '/mail'])
    expect(byPath['/all']!.body).toEqual({ type: 'delete-user', uid, id: 'bye', time: expect.any(Number) })
    expect(byPath['/drive']!.body).toMatchObject({ type: 'delete-user', uid, id: 'bye', service: 'drive' })
    expect(byPath['/mail']!.body).toMatchObject({ service: 'mail' })
    for (const call of received)
      expect(verifyWebhookSignature(secret, call.signature, call.raw, Date.now())).toBe(true)
  })
})
