import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createCookieJar, loginWithForm } from '../../../dev/fake-fxa/index.ts'
import { signIn, userinfo } from '../../support/faults.ts'
import { CLIENT_ID, startTestGate, type TestGate } from '../../support/gate.ts'
import { type RedisServer, startRedis } from '../../support/redis.ts'

/** D13. Every answer that says "a dependency is away, come back" (503) says when: Retry-After. */

let redis: RedisServer | undefined
let gate: TestGate | undefined
afterEach(async () => {
  await gate?.close().catch(() => undefined)
  await redis?.stop()
  gate = undefined
  redis = undefined
})

const RETRY_AFTER = /^[1-9]\d*$/

describe('Retry-After on 503', () => {
  it('is sent when Redis is away: login, forward-auth, userinfo, readiness', async () => {
    redis = await startRedis()
    gate = await startTestGate({ redisUrl: redis.url, env: { FXA_GATE_SESSION_CACHE_TTL: '0' } })
    const session = await signIn(gate, 'retry@example.org')
    await redis.stop()
    const answers = {
      start: await fetch(`${gate.url}/_gate/start`, { redirect: 'manual' }),
      nginx: await fetch(`${gate.url}/_gate/auth/nginx`, {
        headers: { 'x-original-url': 'https://app.example.com/x', cookie: `fxa_gate=${session.cookie}` },
      }),
      userinfo: await userinfo(gate, session),
      readyz: await fetch(`${gate.adminUrl}/readyz`),
    }
    for (const [name, answer] of Object.entries(answers)) {
      expect(answer.status, name).toBe(503)
      expect(answer.headers.get('retry-after'), name).toMatch(RETRY_AFTER)
    }
  })

  it('is sent when FxA is away during a login', async () => {
    gate = await startTestGate()
    const jar = createCookieJar()
    const started = await jar.fetch(`${gate.url}/_gate/start`)
    const callback = await loginWithForm(jar.fetch, started.headers.get('location')!, 'away@example.org')
    await gate.fxa.stop()
    try {
      const answer = await jar.fetch(callback, { headers: { accept: 'application/json' } })
      expect(answer.status).toBe(503)
      expect(answer.headers.get('retry-after')).toMatch(RETRY_AFTER)
    } finally {
      await gate.fxa.start()
    }
  })

  it("is sent on fastify's own answers while the gate is closing", async () => {
    gate = await startTestGate()
    const uid = 'a'.repeat(32)
    gate.fxa.users.set(uid, { uid, email: 'closing@example.org' })
    const token = await gate.fxa.issueAccessToken({ uid, clientId: CLIENT_ID, scope: 'profile' })
    gate.fxa.setFailure('introspect', { delayMs: 1500 })
    // A slow request keeps the gate from closing at once; a second one arrives while it closes.
    const socket = connect({ port: gate.port, host: '127.0.0.1' })
    let received = ''
    socket.on('data', (chunk) => (received += chunk.toString()))
    const request = (path: string, extra = '') =>
      `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nx-original-url: https://app.example.com/x\r\n${extra}\r\n`
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
    socket.write(request('/_gate/auth/nginx', `authorization: Bearer ${token}\r\n`))
    await new Promise((resolve) => setTimeout(resolve, 300))
    const closing = gate.gate.app.close()
    await new Promise((resolve) => setTimeout(resolve, 100))
    socket.write(request('/_gate/userinfo'))
    await new Promise<void>((resolve) => socket.once('close', () => resolve()))
    await closing
    gate.fxa.setFailure('introspect', null)
    const answers = received.split(/(?=HTTP\/1\.1 )/)
    expect(answers).toHaveLength(2)
    expect(answers[1]).toMatch(/^HTTP\/1\.1 503 /)
    expect(answers[1]).toMatch(/\r\nretry-after: [1-9]\d*\r\n/i)
  })
})
