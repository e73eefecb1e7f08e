import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createCookieJar, loginWithForm } from '../../../dev/fake-fxa/index.ts'
import { signIn, userinfo } from '../../support/faults.ts'
import { startTestGate, type TestGate } from '../../support/gate.ts'
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
    gate = await startTestGate({
      redisUrl: redis.url,
      // Strict readiness, so that /readyz answers about Redis at all (by default it does not).
      env: { FXA_GATE_SESSION_CACHE_TTL: '0', FXA_GATE_READINESS_DEPENDENCIES: 'true' },
    })
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

  it("is sent on fastify's own answers while the admin listener closes", async () => {
    const adminToken = 'a'.repeat(40)
    gate = await startTestGate({ env: { FXA_GATE_ADMIN_TOKEN: adminToken } })
    const admin = new URL(gate.adminUrl)
    // A request whose body is still coming keeps the listener from closing at once; a second one
    // arrives on the same connection while it closes.
    const socket = connect({ port: Number(admin.port), host: admin.hostname })
    let received = ''
    socket.on('data', (chunk) => (received += chunk.toString()))
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
    const body = JSON.stringify({ user: 'b'.repeat(32) })
    socket.write(
      `POST /sessions/revoke HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer ${adminToken}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`,
    )
    await new Promise((resolve) => setTimeout(resolve, 300))
    const closing = gate.gate.admin.close()
    await new Promise((resolve) => setTimeout(resolve, 100))
    socket.write(`${body}GET /healthz HTTP/1.1\r\nhost: localhost\r\n\r\n`)
    await new Promise<void>((resolve) => socket.once('close', () => resolve()))
    await closing
    const answers = received.split(/(?=HTTP\/1\.1 )/)
    expect(answers).toHaveLength(2)
    expect(answers[0]).toMatch(/^HTTP\/1\.1 200 /)
    expect(answers[1]).toMatch(/^HTTP\/1\.1 503 /)
    expect(answers[1]).toMatch(/\r\nretry-after: [1-9]\d*\r\n/i)
    expect(answers[1]).toContain('SHUTTING_DOWN')
  })
})
