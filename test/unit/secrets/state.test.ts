import { generateKeyPairSync } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { buildGate, type Gate } from '../../../src/app.ts'
import { loadConfig } from '../../../src/config/load.ts'
import { createLogger } from '../../../src/observability/logger.ts'
import { createMemorySessionStore } from '../../../src/session/memory-store.ts'

const pem = () =>
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string

function configWith(env: Record<string, string>) {
  const result = loadConfig({
    env: {
      FXA_GATE_CLIENT_ID: 'c',
      FXA_GATE_PUBLIC_URL: 'https://gate.example.test',
      FXA_GATE_FXA_OAUTH_URL: 'https://oauth.example.test/v1',
      ...env,
    },
    readFile: () => '',
  })
  if (!result.ok) throw new Error(JSON.stringify(result.problems))
  return result.config
}

let gate: Gate | undefined
/** The signer of the current secret state (the transports read it at each request). */
const signer = (of: Gate) => of.ctx.secrets.current().assertions
afterEach(async () => {
  await gate?.close()
  gate = undefined
})

describe('secrets swapped at run time', () => {
  const base = { FXA_GATE_COOKIE_SECRETS: 'a'.repeat(40), FXA_GATE_CLIENT_SECRET: 'old-client-secret' }

  function start(env: Record<string, string> = {}) {
    const bodies: string[] = []
    gate = buildGate(configWith({ ...base, ...env }), {
      store: createMemorySessionStore(),
      logger: createLogger({ level: 'silent' }),
      fetch: async (_url, init) => {
        bodies.push(String(init?.body ?? ''))
        return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } })
      },
    })
    return { gate, bodies }
  }

  it('sends the new client secret to FxA after a rotation', async () => {
    const { gate, bodies } = start()
    await gate.ctx.provider.revoke({ accessToken: 't1' })
    expect(JSON.parse(bodies.at(-1)!)).toMatchObject({ client_secret: 'old-client-secret' })
    expect(gate.reloadSecrets(configWith({ ...base, FXA_GATE_CLIENT_SECRET: 'new-client-secret' }))).toEqual([
      'clientSecret',
    ])
    await gate.ctx.provider.revoke({ accessToken: 't2' })
    expect(JSON.parse(bodies.at(-1)!)).toMatchObject({ client_secret: 'new-client-secret' })
  })

  it('signs assertions with a rotated key and publishes it, keeping a generated key across other rotations', async () => {
    const first = pem()
    const { gate } = start({ FXA_GATE_ASSERTION_KEY: first })
    const identity = {
      uid: 'u',
      email: null,
      displayName: null,
      locale: null,
      avatar: null,
      subscriptions: [],
      scopes: [],
      aal: 1,
      auth: 'session' as const,
    }
    const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid
    const before = await signer(gate).signerFor(null).assertionFor(identity)
    const jwksBefore = signer(gate).jwks
    gate.reloadSecrets(configWith({ ...base, FXA_GATE_ASSERTION_KEY: pem() }))
    const after = await signer(gate).signerFor(null).assertionFor(identity)
    expect(kidOf(after.token)).not.toBe(kidOf(before.token))
    expect(signer(gate).jwks.keys[0]!.kid).toBe(kidOf(after.token))
    expect(signer(gate).jwks).not.toBe(jwksBefore)
    const served = await gate.app.inject({ url: '/_gate/jwks.json' })
    expect(served.json().keys[0].kid).toBe(kidOf(after.token))

    // Without a configured key, the generated one survives a rotation of something else.
    await gate.close()
    const { gate: ephemeral } = start()
    const generated = signer(ephemeral).jwks
    ephemeral.reloadSecrets(
      configWith({ ...base, FXA_GATE_COOKIE_SECRETS: `${'b'.repeat(40)},${'a'.repeat(40)}` }),
    )
    expect(signer(ephemeral).jwks).toBe(generated)
  })

  it('reports nothing changed when the files changed nothing', () => {
    const { gate } = start()
    expect(gate.reloadSecrets(configWith(base))).toEqual([])
  })
})
