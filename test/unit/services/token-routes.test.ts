import Fastify from 'fastify'
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { assertionSignersFromConfig } from '../../../src/assertion/setup.ts'
import { loadConfig } from '../../../src/config/load.ts'
import type { Authenticator } from '../../../src/decision/credentials.ts'
import { createErrorHandler } from '../../../src/http/error-reply.ts'
import type { Identity } from '../../../src/identity/identity.ts'
import { createMemoryNodeStore } from '../../../src/nodes/memory-node-store.ts'
import { createPlacement } from '../../../src/nodes/placement.ts'
import { createLogLimiter } from '../../../src/observability/log-limiter.ts'
import { createLogger } from '../../../src/observability/logger.ts'
import { createMetrics } from '../../../src/observability/metrics.ts'
import { compileServices } from '../../../src/services/registry.ts'
import { createServiceTokens } from '../../../src/services/service-token.ts'
import { serviceTokenRoutes } from '../../../src/services/token-routes.ts'

const SCOPE = 'https://identity.mozilla.com/apps/notes'

function identity(auth: 'session' | 'bearer', scopes: string[] = []): Identity {
  return {
    uid: 'u'.repeat(32),
    email: 'a@example.com',
    displayName: null,
    locale: null,
    avatar: null,
    subscriptions: [],
    scopes,
    aal: 1,
    auth,
    ...(auth === 'bearer' ? { clientId: 'native' } : {}),
  }
}

async function setUp() {
  const result = loadConfig({
    env: {
      FXA_GATE_CLIENT_ID: 'gate-client',
      FXA_GATE_PUBLIC_URL: 'https://auth.example.com',
      FXA_GATE_COOKIE_SECRETS: 'x'.repeat(32),
      FXA_GATE_LOG_LEVEL: 'silent',
      FXA_GATE_SERVICES: JSON.stringify([
        { name: 'notes', audience: 'notes', tokenTtl: '90s', requiredScopes: [SCOPE] },
        {
          name: 'store',
          audience: 'store',
          releaseRate: 1,
          nodes: [{ url: 'https://s1.example.com', capacity: 5 }],
        },
      ]),
    },
    readFile: () => '',
  })
  if (!result.ok) throw new Error('bad test configuration')
  const config = result.config
  let now = Date.parse('2030-01-01T00:00:00Z')
  const clock = () => now
  const logger = createLogger({ level: 'silent' })
  const metrics = createMetrics({ defaultMetrics: false })
  const services = compileServices(config)
  const store = createMemoryNodeStore({ clock })
  const placement = createPlacement({ store, services, metrics, logger, clock })
  await placement.start()
  const signers = assertionSignersFromConfig(config, { clock, metrics, logger })
  let who: Identity | null = identity('session')
  const authenticator: Authenticator = { authenticate: async () => who, authenticateNow: () => who }
  const marks = new Map<string, number>()
  const app = Fastify()
  app.setErrorHandler(createErrorHandler(metrics, createLogLimiter(logger)))
  await app.register(serviceTokenRoutes, {
    config,
    services,
    authenticator,
    placement,
    tokens: createServiceTokens(signers, config.clientId, clock),
    marks: { of: (uid) => marks.get(uid) ?? 0 },
    metrics,
  })
  const issue = async (service: string) => {
    const answer = await app.inject({ method: 'GET', url: `/_gate/token/${service}` })
    return { status: answer.statusCode, headers: answer.headers, body: answer.json() }
  }
  const introspect = async (service: string, token: string, json = false) =>
    (
      await app.inject({
        method: 'POST',
        url: `/_gate/token/${service}/introspect`,
        ...(json
          ? { payload: { token } }
          : {
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              payload: new URLSearchParams({ token }).toString(),
            }),
      })
    ).json()
  return {
    app,
    issue,
    introspect,
    store,
    marks,
    jwks: createLocalJWKSet({ keys: [...signers.jwks.keys] }),
    as: (next: Identity | null) => {
      who = next
    },
    advance: (ms: number) => {
      now += ms
    },
    now: () => now,
  }
}

describe('service tokens', () => {
  it('are signed with the assertion key as at+jwt for the service audience, with the tokenTtl', async () => {
    const t = await setUp()
    const { status, headers, body } = await t.issue('notes')
    expect(status).toBe(200)
    expect(headers['cache-control']).toBe('no-store')
    expect(body).toEqual({ token: expect.any(String), expiresIn: 90, uid: 'u'.repeat(32) })
    expect(decodeProtectedHeader(body.token).typ).toBe('at+jwt')
    const { payload } = await jwtVerify(body.token, t.jwks, {
      audience: 'notes',
      issuer: 'https://auth.example.com',
      currentDate: new Date(t.now()),
    })
    expect(payload).toMatchObject({ sub: 'u'.repeat(32), client_id: 'gate-client', auth: 'session' })
    expect(payload.exp! - payload.iat!).toBe(90)
    expect(payload['node']).toBeUndefined()
  })

  it("name the user's node when the service has nodes", async () => {
    const t = await setUp()
    const { body } = await t.issue('store')
    expect(body.node).toBe('https://s1.example.com')
    expect((await t.store.list('store'))[0]?.users).toBe(1)
  })

  it('hold a bearer token to the service scopes, and say whose client it was', async () => {
    const t = await setUp()
    t.as(identity('bearer', ['profile']))
    const refused = await t.issue('notes')
    expect(refused.status).toBe(403)
    expect(refused.headers['www-authenticate']).toContain('insufficient_scope')
    t.as(identity('bearer', ['profile', SCOPE]))
    const { body } = await t.issue('notes')
    const { payload } = await jwtVerify(body.token, t.jwks, {
      audience: 'notes',
      currentDate: new Date(t.now()),
    })
    expect(payload).toMatchObject({ client_id: 'native', scope: `profile ${SCOPE}`, auth: 'bearer' })
  })

  it('refuse a bearer token where nothing names who may use it (no scopes, no client list): #12', async () => {
    const t = await setUp()
    t.as(identity('bearer', ['profile']))
    const refused = await t.issue('store')
    expect(refused.status).toBe(401)
    expect(refused.body.error).toBe('BEARER_NOT_ACCEPTED')
    expect(refused.headers['www-authenticate']).toContain('invalid_token')
    // A session still gets one: sessions are the gate's own.
    t.as(identity('session'))
    expect((await t.issue('store')).status).toBe(200)
  })

  it('answer 404 for an unknown service (even anonymous) and 401 for an anonymous request', async () => {
    const t = await setUp()
    t.as(null)
    expect((await t.issue('nope')).status).toBe(404)
    const anonymous = await t.issue('notes')
    expect(anonymous.status).toBe(401)
    expect(anonymous.body.error).toBe('UNAUTHENTICATED')
  })
})

describe('token introspection', () => {
  it('says active for a token of the service, in form or JSON, and inactive for anything else', async () => {
    const t = await setUp()
    const { body } = await t.issue('notes')
    expect(await t.introspect('notes', body.token)).toMatchObject({
      active: true,
      sub: 'u'.repeat(32),
      aud: 'notes',
    })
    expect(await t.introspect('notes', body.token, true)).toMatchObject({ active: true })
    expect(await t.introspect('store', body.token)).toEqual({ active: false })
    // One signature character changed (never the last, whose low bits are padding): a different signature.
    const at = body.token.lastIndexOf('.') + 10
    const tampered = `${body.token.slice(0, at)}${body.token[at] === 'A' ? 'B' : 'A'}${body.token.slice(at + 1)}`
    expect(await t.introspect('notes', tampered)).toEqual({ active: false })
    t.advance(91_000)
    expect(await t.introspect('notes', body.token)).toEqual({ active: false })
  })

  it("refuses a token issued before the user's password-change mark", async () => {
    const t = await setUp()
    const { body } = await t.issue('notes')
    t.advance(5_000)
    t.marks.set('u'.repeat(32), t.now())
    expect(await t.introspect('notes', body.token)).toEqual({ active: false })
    t.advance(1_000)
    const fresh = await t.issue('notes')
    expect(await t.introspect('notes', fresh.body.token)).toMatchObject({ active: true })
    // A token of the mark's own second may predate it: refused.
    t.marks.set('u'.repeat(32), t.now() + 500)
    expect(await t.introspect('notes', fresh.body.token)).toEqual({ active: false })
  })

  it('refuses a token whose node the user has left', async () => {
    const t = await setUp()
    const { body } = await t.issue('store')
    expect(await t.introspect('store', body.token)).toMatchObject({
      active: true,
      node: 'https://s1.example.com',
    })
    await t.store.setDown('store', 'https://s1.example.com', true)
    expect(await t.introspect('store', body.token)).toEqual({ active: false })
  })

  it('refuses a malformed request with 400', async () => {
    const t = await setUp()
    for (const payload of ['', 'token=', 'token=a b', `token=${'a'.repeat(5000)}`]) {
      const answer = await t.app.inject({
        method: 'POST',
        url: '/_gate/token/notes/introspect',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload,
      })
      expect(answer.statusCode, payload.slice(0, 20)).toBe(400)
    }
  })
})
