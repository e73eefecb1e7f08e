import { Writable } from 'node:stream'
import { UnsecuredJWT } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { buildGate, type Gate } from '../../../src/app.ts'
import { loadConfig } from '../../../src/config/load.ts'
import { createLogger } from '../../../src/observability/logger.ts'
import { createMemorySessionStore } from '../../../src/session/memory-store.ts'

let gate: Gate | undefined
afterEach(async () => {
  await gate?.close()
  gate = undefined
})

function gateWith(env: Record<string, string> = {}, logs?: string[]): Gate {
  const result = loadConfig({
    env: {
      FXA_GATE_CLIENT_ID: 'c',
      FXA_GATE_PUBLIC_URL: 'https://gate.example.test',
      FXA_GATE_COOKIE_SECRETS: 's'.repeat(40),
      ...env,
    },
    readFile: () => '',
  })
  if (!result.ok) throw new Error(JSON.stringify(result.problems))
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logs?.push(String(chunk))
      done()
    },
  })
  const logger = createLogger({ level: logs ? 'info' : 'silent', destination })
  gate = buildGate(result.config, { store: createMemorySessionStore(), logger })
  return gate
}

const post = (target: Gate, headers: Record<string, string> = {}, payload?: string) =>
  target.app.inject({
    method: 'POST',
    url: '/_gate/events/fxa',
    headers,
    ...(payload === undefined ? {} : { payload }),
  })

describe('the account events route', () => {
  it('answers 401 with a Bearer challenge, without touching FxA, for a request without a SET', async () => {
    const response = await post(gateWith())
    expect(response.statusCode).toBe(401)
    expect(response.json()).toMatchObject({ error: 'EVENT_REJECTED' })
    expect(response.headers['www-authenticate']).toContain('invalid_token')
    expect(response.headers['cache-control']).toBe('no-store')
  })

  it('drains any body unread, whatever its type', async () => {
    for (const type of [
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/octet-stream',
    ]) {
      const response = await post(
        gateWith(),
        { 'content-type': type, authorization: 'Bearer x.y.z' },
        '{"not":"json"',
      )
      expect(response.statusCode, type).toBe(401)
      await gate?.close()
    }
  })

  it('logs why a SET was refused, never the token', async () => {
    const logs: string[] = []
    const token = new UnsecuredJWT({ sub: 'victim-uid', jti: 'j', events: { x: {} } })
      .setIssuer('https://accounts.firefox.com')
      .encode()
    const response = await post(gateWith({}, logs), { authorization: `Bearer ${token}` })
    expect(response.statusCode).toBe(401)
    const refused = logs
      .map((line) => JSON.parse(line))
      .find((entry) => entry.msg === 'account event refused')
    expect(refused).toMatchObject({ reason: 'algorithm' })
    const text = logs.join('')
    expect(text).not.toContain(token.split('.')[1]!)
    expect(text).not.toContain('victim-uid')
  })

  it('is served in sidecar mode too, ahead of the prefix catch-all', async () => {
    expect((await post(gateWith({ FXA_GATE_UPSTREAM: 'http://127.0.0.1:9' }))).statusCode).toBe(401)
  })

  it('is absent when account events are disabled', async () => {
    expect((await post(gateWith({ FXA_GATE_EVENTS_ENABLED: 'false' }))).statusCode).toBe(404)
  })

  it('takes POST only', async () => {
    const response = await gateWith().app.inject({ method: 'GET', url: '/_gate/events/fxa' })
    expect(response.statusCode).toBe(404)
  })
})

describe('configuration of account events', () => {
  it('needs a webhook secret when webhook URLs are set', () => {
    const result = loadConfig({
      env: {
        FXA_GATE_CLIENT_ID: 'c',
        FXA_GATE_PUBLIC_URL: 'https://gate.example.test',
        FXA_GATE_COOKIE_SECRETS: 's'.repeat(40),
        FXA_GATE_EVENTS_WEBHOOK_URLS: 'https://a.test/hook,https://b.test/hook',
      },
      readFile: () => '',
    })
    expect(result.ok).toBe(false)
    expect(!result.ok && result.problems.map((p) => p.env)).toContain('FXA_GATE_EVENTS_WEBHOOK_SECRET')
  })
})
