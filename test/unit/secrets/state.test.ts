import { generateKeyPairSync } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { buildGate, type Gate } from '../../../src/app.ts'
import { loadConfig } from '../../../src/config/load.ts'
import { createLogger } from '../../../src/observability/logger.ts'
import { createMemorySessionStore } from '../../../src/session/memory-store.ts'
import { createSessionHandles } from '../../../src/user-sessions/handles.ts'

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

  it('seals denial notes and names sessions with a rotated cookie secret; the previous one still opens them', async () => {
    const { gate } = start()
    const unmet = { kind: 'aal', required: 2, actual: 1 } as const
    const denials = gate.ctx.pages.denials
    const cookieOf = (setCookie: string) => setCookie.split(';')[0]!
    const before = cookieOf(await denials.write('u1', unmet, 1_000))
    const handles = createSessionHandles(() => gate.ctx.keys.handle)
    const shownBefore = handles.of('session-key')

    gate.reloadSecrets(
      configWith({ ...base, FXA_GATE_COOKIE_SECRETS: `${'b'.repeat(40)},${'a'.repeat(40)}` }),
    )
    const after = cookieOf(await denials.write('u1', unmet, 1_000))
    // The new secret seals the next note; the old note still opens while its secret is listed.
    expect(await denials.read(after, 'u1', 2_000)).toEqual(unmet)
    expect(await denials.read(before, 'u1', 2_000)).toEqual(unmet)
    expect(handles.of('session-key')).not.toBe(shownBefore)
    expect(handles.matches(shownBefore, 'session-key')).toBe(true)

    // Once the old secret is gone, so is what it made.
    gate.reloadSecrets(configWith({ ...base, FXA_GATE_COOKIE_SECRETS: 'b'.repeat(40) }))
    expect(await denials.read(before, 'u1', 2_000)).toBeUndefined()
    expect(await denials.read(after, 'u1', 2_000)).toEqual(unmet)
    expect(handles.matches(shownBefore, 'session-key')).toBe(false)
    expect(handles.matches(handles.of('session-key'), 'session-key')).toBe(true)
  })

  it('reports nothing changed when the files changed nothing', () => {
    const { gate } = start()
    expect(gate.reloadSecrets(configWith(base))).toEqual([])
  })
})
