import { afterEach, describe, expect, it } from 'vitest'
import { buildGate, type Gate } from '../../../src/app.ts'
import { loadConfig } from '../../../src/config/load.ts'
import { createLogger } from '../../../src/observability/logger.ts'
import { createMemorySessionStore } from '../../../src/session/memory-store.ts'

const TOKEN = 'a'.repeat(40)
let gate: Gate | undefined

afterEach(async () => {
  await gate?.close()
  gate = undefined
})

/** A gate over in-memory stores (no network), with one user logged in twice. */
async function gateWith(env: Record<string, string> = {}) {
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
  const store = createMemorySessionStore()
  gate = buildGate(result.config, { store, logger: createLogger({ level: 'silent' }) })
  const fields = {
    uid: 'u1',
    email: null,
    displayName: null,
    locale: null,
    avatar: null,
    subscriptions: [],
    scopes: [],
    aal: 1,
    amr: [],
  }
  await gate.ctx.sessions.start(fields, { accessToken: 'a' })
  await gate.ctx.sessions.start(fields, { accessToken: 'b' })
  const revoke = (options: {
    remoteAddress?: string
    authorization?: string
    body?: unknown
    contentType?: string
  }) =>
    gate!.admin.inject({
      method: 'POST',
      url: '/sessions/revoke',
      remoteAddress: options.remoteAddress ?? '127.0.0.1',
      headers: {
        'content-type': options.contentType ?? 'application/json',
        ...(options.authorization ? { authorization: options.authorization } : {}),
      },
      payload: JSON.stringify('body' in options ? options.body : { user: 'u1' }),
    })
  return { store, revoke }
}

describe('POST /sessions/revoke on the admin listener', () => {
  it('ends every session of the user and says how many, for the holder of the admin token', async () => {
    const { store, revoke } = await gateWith({ FXA_GATE_ADMIN_TOKEN: TOKEN })
    const response = await revoke({ authorization: `Bearer ${TOKEN}` })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ user: 'u1', ended: 2 })
    expect(await store.listByUser('u1')).toEqual([])
    expect((await revoke({ authorization: `Bearer ${TOKEN}` })).json()).toEqual({ user: 'u1', ended: 0 })
  })

  it('without FXA_GATE_ADMIN_TOKEN, revokes for nobody: loopback is the whole pod, app container included', async () => {
    const { store, revoke } = await gateWith()
    for (const remoteAddress of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.0.0.7', 'fe80::1']) {
      const response = await revoke({ remoteAddress })
      expect(response.statusCode, remoteAddress).toBe(403)
      expect(response.json()).toMatchObject({ error: 'ADMIN_FORBIDDEN' })
      expect(response.json().message).toContain('FXA_GATE_ADMIN_TOKEN')
    }
    expect(await store.listByUser('u1')).toHaveLength(2)
  })

  it('with an admin token, needs it from every peer, loopback included', async () => {
    const { store, revoke } = await gateWith({ FXA_GATE_ADMIN_TOKEN: TOKEN })
    for (const authorization of [
      undefined,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(1)}`,
      TOKEN,
      `Basic ${TOKEN}`,
      `bearer  ${TOKEN}`,
    ]) {
      const response = await revoke({ authorization })
      expect(response.statusCode, String(authorization)).toBe(401)
    }
    expect(await store.listByUser('u1')).toHaveLength(2)
    const response = await revoke({ remoteAddress: '10.0.0.7', authorization: `Bearer ${TOKEN}` })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ user: 'u1', ended: 2 })
  })

  it('refuses a body without a usable user, and a form post', async () => {
    const { store, revoke } = await gateWith({ FXA_GATE_ADMIN_TOKEN: TOKEN })
    const authorization = `Bearer ${TOKEN}`
    for (const body of [
      {},
      { user: '' },
      { user: 42 },
      { user: 'a b' },
      { user: 'x'.repeat(300) },
      { uid: 'u1' },
      ['u1'],
      null,
    ]) {
      const response = await revoke({ body, authorization })
      expect(response.statusCode, JSON.stringify(body)).toBe(400)
    }
    expect(
      (await revoke({ contentType: 'application/x-www-form-urlencoded', authorization })).statusCode,
    ).toBe(400)
    expect(await store.listByUser('u1')).toHaveLength(2)
  })
})

describe('the admin listener serves only its own host names', () => {
  const ask = (url: string, host: string, method: 'GET' | 'POST' = 'GET') =>
    gate!.admin.inject({
      method,
      url,
      headers: { host, authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(method === 'POST' ? { payload: '{"user":"u1"}' } : {}),
    })

  it.each([
    'evil.test',
    'evil.test:9180',
    '127.0.0.1.evil.test',
    'localhost.evil.test',
    'fxa-gate.example.com',
    '127.0.0.1:9180@evil.test',
    '[::1',
    '::1',
    '127.0.0.1:x',
  ])('refuses Host %j with 421 on every endpoint (DNS rebinding, a misrouted request)', async (host) => {
    const { store } = await gateWith({ FXA_GATE_ADMIN_TOKEN: TOKEN })
    for (const url of ['/healthz', '/readyz', '/metrics', '/jwks.json']) {
      const response = await ask(url, host)
      expect(response.statusCode, `${url} ${host}`).toBe(421)
      expect(response.json()).toMatchObject({ error: 'ADMIN_HOST_REFUSED' })
    }
    expect((await ask('/sessions/revoke', host, 'POST')).statusCode).toBe(421)
    expect(await store.listByUser('u1')).toHaveLength(2)
  })

  it.each([
    'localhost',
    'LOCALHOST:9180',
    '127.0.0.1:9180',
    '10.1.2.3',
    '10.1.2.3:9180',
    '[::1]:9180',
    '[fd00::7]',
  ])('serves Host %j: loopback names and IP literals (a probe or scraper at the pod IP)', async (host) => {
    await gateWith({ FXA_GATE_ADMIN_TOKEN: TOKEN })
    expect((await ask('/healthz', host)).statusCode).toBe(200)
  })

  it('serves the names listed in FXA_GATE_ADMIN_HOSTS, any port, any case', async () => {
    await gateWith({ FXA_GATE_ADMIN_TOKEN: TOKEN, FXA_GATE_ADMIN_HOSTS: 'fxa-gate-admin.fxa-gate.svc' })
    expect((await ask('/metrics', 'fxa-gate-admin.fxa-gate.svc:9180')).statusCode).toBe(200)
    expect((await ask('/metrics', 'FXA-GATE-ADMIN.fxa-gate.svc')).statusCode).toBe(200)
    expect((await ask('/metrics', 'other.fxa-gate.svc')).statusCode).toBe(421)
  })
})
