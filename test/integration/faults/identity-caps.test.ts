import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCookieJar, uidForEmail } from '../../../dev/fake-fxa/index.ts'
import { CLIENT_ID, loginThroughGate, startTestGate, type TestGate } from '../../support/gate.ts'

/**
 * D12. Every identity field has a size cap. A profile over a cap is refused at login with a clear
 * error; it never reaches a service as a header.
 */

let gate: TestGate
beforeAll(async () => {
  gate = await startTestGate()
})
afterAll(async () => {
  await gate?.close()
})

function user(email: string, fields: { displayName?: string; locale?: string; subscriptions?: string[] }) {
  const uid = uidForEmail(email)
  gate.fxa.users.set(uid, { uid, email, ...fields })
  return uid
}

async function login(email: string) {
  const jar = createCookieJar()
  const answer = await loginThroughGate(jar, gate.url, email)
  return { jar, answer, cookie: jar.cookieHeader(gate.url) }
}

describe('identity values over their caps', () => {
  it('refuses a display name over 256 bytes at login, with a clear error and no session', async () => {
    user('long-name@example.org', { displayName: 'N'.repeat(257) })
    const { answer, cookie } = await login('long-name@example.org')
    expect(answer.status).toBe(422)
    expect(await answer.text()).toMatch(/too long/i)
    expect(cookie).not.toMatch(/(^|; )fxa_gate=/)
  })

  it('accepts a display name of exactly 256 bytes and sends it on', async () => {
    user('at-cap@example.org', { displayName: 'N'.repeat(256) })
    const { answer, jar } = await login('at-cap@example.org')
    expect(answer.status).toBe(302)
    const allowed = await jar.fetch(`${gate.url}/_gate/auth/nginx`, {
      headers: { 'x-original-url': 'https://app.example.com/x' },
    })
    expect(allowed.status).toBe(200)
    expect(allowed.headers.get('x-user-name')).toBe('N'.repeat(256))
  })

  it('refuses too many subscriptions, and a huge profile quickly', async () => {
    user('many@example.org', { subscriptions: Array.from({ length: 65 }, (_, i) => `cap-${i}`) })
    expect((await login('many@example.org')).answer.status).toBe(422)
    user('huge@example.org', { displayName: 'x'.repeat(4 * 1024 * 1024) })
    const started = performance.now()
    const { answer } = await login('huge@example.org')
    expect(answer.status).toBe(422)
    console.info(`4 MiB display name refused in ${(performance.now() - started).toFixed(0)} ms`)
  })

  it('never sends an over-cap value as a header for a bearer token', async () => {
    const uid = user('bearer-long@example.org', { displayName: 'B'.repeat(1000) })
    const token = await gate.fxa.issueAccessToken({ uid, clientId: CLIENT_ID, scope: 'profile' })
    const answer = await fetch(`${gate.url}/_gate/auth/nginx`, {
      headers: { 'x-original-url': 'https://app.example.com/x', authorization: `Bearer ${token}` },
    })
    expect(answer.headers.get('x-user-name')).toBeNull()
    expect(answer.status).toBe(422)
  })
})
