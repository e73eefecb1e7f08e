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
  it('ends every session of the user and says how many, for a loopback caller', async () => {
    const { store, revoke } = await gateWith()
    const response = await revoke({})
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ user: 'u1', ended: 2 })
    expect(await store.listByUser('u1')).toEqual([])
    expect((await revoke({})).json()).toEqual({ user: 'u1', ended: 0 })
  })

  it('accepts IPv6 and IPv4-mapped loopback, and refuses any other peer without a token', async () => {
    const { store, revoke } = await gateWith()
    for (const remoteAddress of ['10.0.0.7', '192.168.1.2', '::ffff:10.0.0.7', 'fe80::1']) {
      const response = await revoke({ remoteAddress })
      expect(response.statusCode, remoteAddress).toBe(403)
      expect(response.json()).toMatchObject({ error: 'ADMIN_FORBIDDEN' })
    }
    expect(await store.listByUser('u1')).toHaveLength(2)
    expect((await revoke({ remoteAddress: '::1' })).statusCode).toBe(200)
    expect((await revoke({ remoteAddress: '::ffff:127.0.0.1' })).statusCode).toBe(200)
  })

  it('with an admin token, needs it from every peer, loopback included', async () => {
    const { store, revoke } = await gateWith({ FXA_GATE_ADMIN_TOKEN: TOKEN })
    for (const authorization of [
      undefined,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(1)}`,
      TOKEN,
      `Basic ${TOKEN}`,
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
    const { store, revoke } = await gateWith()
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
      const response = await revoke({ body })
      expect(response.statusCode, JSON.stringify(body)).toBe(400)
    }
    expect((await revoke({ contentType: 'application/x-www-form-urlencoded' })).statusCode).toBe(400)
    expect(await store.listByUser('u1')).toHaveLength(2)
  })
})
