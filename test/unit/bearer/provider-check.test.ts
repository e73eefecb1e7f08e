import { describe, expect, it } from 'vitest'
import { checkWithProvider } from '../../../src/bearer/provider-check.ts'
import type { Config } from '../../../src/config/derive.ts'
import { loadConfig } from '../../../src/config/load.ts'
import { GateError } from '../../../src/errors.ts'

function config(env: Record<string, string> = {}): Config {
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
  return result.config
}

/** A provider that answers one JSON body and remembers what it was asked. */
function provider(status: number, body: unknown) {
  const asked: Array<{ url: string; body: unknown }> = []
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    asked.push({ url: String(url), body: JSON.parse(String(init?.body)) })
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
  }) as typeof globalThis.fetch
  return { fetch, asked }
}

const now = Date.now()
const active = {
  active: true,
  scope: 'profile',
  client_id: 'c',
  token_type: 'access_token',
  sub: 'u'.repeat(32),
  iat: now - 1234,
  exp: now + 60_000,
}

describe('checkWithProvider (FxA /v1/introspect)', () => {
  it('asks with token_type_hint access_token', async () => {
    const fxa = provider(200, active)
    await checkWithProvider(config(), fxa.fetch, 'tok', now)
    expect(fxa.asked).toEqual([
      {
        url: 'https://oauth.accounts.firefox.com/v1/introspect',
        body: { token: 'tok', token_type_hint: 'access_token' },
      },
    ])
  })

  it('keeps iat (ms) and asserts no AAL FxA did not give', async () => {
    const result = await checkWithProvider(config(), provider(200, active).fetch, 'tok', now)
    expect(result).toMatchObject({ active: true, issuedAt: now - 1234, expiresAt: now + 60_000, aal: 0 })
  })

  it('believes an acr or fxa-aal the provider asserts about the token', async () => {
    const viaAcr = await checkWithProvider(
      config({ FXA_GATE_ACR_AAL_MAP: '{"2": 2}' }),
      provider(200, { ...active, acr: '2' }).fetch,
      'tok',
      now,
    )
    expect(viaAcr).toMatchObject({ aal: 2 })
    const viaFxa = await checkWithProvider(
      config(),
      provider(200, { ...active, 'fxa-aal': 2 }).fetch,
      'tok',
      now,
    )
    expect(viaFxa).toMatchObject({ aal: 2 })
  })

  it.each([
    [
      'a refresh token (public client: active, no exp)',
      { ...active, token_type: 'refresh_token', exp: undefined },
    ],
    ['a refresh token with an exp', { ...active, token_type: 'refresh_token' }],
    ['no token_type at all', { ...active, token_type: undefined }],
  ])('refuses %s as not an access token', async (_name, body) => {
    expect(await checkWithProvider(config(), provider(200, body).fetch, 'tok', now)).toEqual({
      active: false,
      reason: 'not an access token',
    })
  })

  it.each([108, 109, 115, 116])('treats 400 errno %i as an invalid token, not an outage', async (errno) => {
    const result = await checkWithProvider(
      config(),
      provider(400, { code: 400, errno, error: 'Bad Request' }).fetch,
      'tok',
      now,
    )
    expect(result).toEqual({ active: false, reason: `introspect errno ${errno}` })
  })

  it('still fails closed on another 4xx', async () => {
    await expect(
      checkWithProvider(config(), provider(400, { code: 400, errno: 999 }).fetch, 'tok', now),
    ).rejects.toBeInstanceOf(GateError)
  })
})

describe('checkWithProvider (FxA /v1/verify)', () => {
  it('keeps the generation /v1/verify gives', async () => {
    const result = await checkWithProvider(
      config({ FXA_GATE_BEARER_CHECK: 'verify' }),
      provider(200, { user: 'u', client_id: 'c', scope: ['profile'], generation: 1700000000123 }).fetch,
      'tok',
      now,
    )
    expect(result).toMatchObject({ active: true, generation: 1700000000123, aal: 0 })
  })
})
