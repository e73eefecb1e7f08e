import { base64url, SignJWT } from 'jose'
import { beforeEach, describe, expect, it } from 'vitest'
import { GateError } from '../../../src/errors.ts'
import { createSetVerifier, SetRejected, type SetRejection } from '../../../src/events/verify-set.ts'
import {
  CLIENT,
  fakeJwksEndpoint,
  ISSUER,
  newSigner,
  providerKeys,
  signSet,
  type TestSigner,
  unsignedSet,
} from './keys.ts'

let signer: TestSigner
let endpoint: ReturnType<typeof fakeJwksEndpoint>
let now: number

beforeEach(async () => {
  signer = await newSigner()
  endpoint = fakeJwksEndpoint([signer])
  now = Date.now()
})

function verifier(options: { issuer?: string; cooldownMs?: number } = {}) {
  return createSetVerifier({
    issuer: options.issuer ?? ISSUER,
    audience: CLIENT,
    keys: providerKeys(endpoint, options.cooldownMs),
    clock: () => now,
  })
}

async function rejection(promise: Promise<unknown>): Promise<SetRejection> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(SetRejected)
  return (error as SetRejected).reason
}

describe('verifying an FxA Security Event Token', () => {
  it('accepts a SET as FxA signs it: RS256, kid, no exp, fractional iat', async () => {
    const token = await signSet(signer, { iat: now / 1000 - 0.25, jti: 'jti-1', sub: 'abc123' })
    const set = await verifier()(`Bearer ${token}`)
    expect(set).toMatchObject({ sub: 'abc123', jti: 'jti-1' })
    expect(Object.keys(set.events)).toEqual(['https://schemas.accounts.firefox.com/event/password-change'])
  })

  it('accepts the issuer with or without a trailing slash, whichever is configured', async () => {
    const withSlash = await signSet(signer, { iss: `${ISSUER}/` })
    const without = await signSet(signer, { iss: ISSUER })
    await expect(verifier()(`Bearer ${withSlash}`)).resolves.toBeDefined()
    await expect(verifier({ issuer: `${ISSUER}/` })(`Bearer ${without}`)).resolves.toBeDefined()
    await expect(verifier({ issuer: `${ISSUER}/` })(`bearer ${withSlash}`)).resolves.toBeDefined()
  })

  it('accepts an aud list that holds the client id', async () => {
    await expect(
      verifier()(`Bearer ${await signSet(signer, { aud: ['other', CLIENT] })}`),
    ).resolves.toBeDefined()
  })

  it('refuses a missing, empty, repeated or malformed Authorization header', async () => {
    const token = await signSet(signer)
    const verify = verifier()
    expect(await rejection(verify(undefined))).toBe('missing')
    expect(await rejection(verify(''))).toBe('missing')
    expect(await rejection(verify([]))).toBe('missing')
    expect(await rejection(verify([`Bearer ${token}`, `Bearer ${token}`]))).toBe('malformed')
    for (const header of [
      token,
      `Basic ${token}`,
      `Bearer`,
      `Bearer ${token} x`,
      `Bearer ${token}.x`,
      `Bearer a.b`,
      `Bearer ${'a'.repeat(17_000)}.b.c`,
      'Bearer %%%.b.c',
    ]) {
      expect(await rejection(verify(header)), header.slice(0, 30)).toBe('malformed')
    }
    expect(await rejection(verify('Bearer eyJub3QganNvbg.e30.x'))).toBe('malformed')
    expect(endpoint.fetches).toBe(0)
  })

  it('refuses alg none, and every algorithm but RS256, without fetching keys', async () => {
    expect(await rejection(verifier()(`Bearer ${unsignedSet()}`))).toBe('algorithm')
    // HS256 keyed with the public key's text: the classic confusion attack.
    const publicText = JSON.stringify(signer.publicJwk)
    const confused = await new SignJWT({
      iss: ISSUER,
      aud: CLIENT,
      sub: 'u',
      iat: now / 1000,
      jti: 'j',
      events: { x: {} },
    })
      .setProtectedHeader({ alg: 'HS256', kid: signer.kid })
      .sign(new TextEncoder().encode(publicText))
    expect(await rejection(verifier()(`Bearer ${confused}`))).toBe('algorithm')
    for (const alg of ['none', 'None', 'NONE', 'RS384', 'PS256', 'ES256']) {
      const [, payload, signature] = (await signSet(signer)).split('.')
      const header = base64url.encode(JSON.stringify({ alg, kid: signer.kid }))
      expect(await rejection(verifier()(`Bearer ${header}.${payload}.${signature}`)), alg).toBe('algorithm')
    }
    expect(endpoint.fetches).toBe(0)
  })

  it('refuses a token signed by another key under the same kid', async () => {
    const impostor = await newSigner(signer.kid)
    expect(await rejection(verifier()(`Bearer ${await signSet(impostor)}`))).toBe('signature')
  })

  it('refuses a token whose payload was altered after signing', async () => {
    const [header, , signature] = (await signSet(signer, { sub: 'victim' })).split('.')
    const payload = base64url.encode(
      JSON.stringify({
        iss: ISSUER,
        aud: CLIENT,
        sub: 'other',
        iat: now / 1000,
        jti: 'j',
        events: { x: {} },
      }),
    )
    expect(await rejection(verifier()(`Bearer ${header}.${payload}.${signature}`))).toBe('signature')
  })

  it('refuses the wrong audience or issuer', async () => {
    expect(await rejection(verifier()(`Bearer ${await signSet(signer, { aud: 'another-client' })}`))).toBe(
      'audience',
    )
    expect(await rejection(verifier()(`Bearer ${await signSet(signer, { aud: undefined })}`))).toBe(
      'audience',
    )
    for (const iss of [
      'https://evil.test',
      `${ISSUER}//`,
      `${ISSUER}.evil.test`,
      `${ISSUER}/x`,
      'HTTPS://ACCOUNTS.EXAMPLE.TEST',
    ]) {
      expect(await rejection(verifier()(`Bearer ${await signSet(signer, { iss })}`)), iss).toBe('issuer')
    }
  })

  it('allows iat up to 5 s in the future, and refuses it beyond', async () => {
    await expect(
      verifier()(`Bearer ${await signSet(signer, { iat: now / 1000 + 4.5 })}`),
    ).resolves.toBeDefined()
    expect(await rejection(verifier()(`Bearer ${await signSet(signer, { iat: now / 1000 + 6 })}`))).toBe(
      'issued_in_future',
    )
    expect(await rejection(verifier()(`Bearer ${await signSet(signer, { iat: now / 1000 + 86_400 })}`))).toBe(
      'issued_in_future',
    )
    // In ms by mistake: far in the future.
    expect(await rejection(verifier()(`Bearer ${await signSet(signer, { iat: now })}`))).toBe(
      'issued_in_future',
    )
  })

  it('needs no exp, but an expired one is refused', async () => {
    expect(
      await rejection(verifier()(`Bearer ${await signSet(signer, { exp: Math.floor(now / 1000) - 60 })}`)),
    ).toBe('expired')
    await expect(
      verifier()(`Bearer ${await signSet(signer, { exp: Math.floor(now / 1000) + 60 })}`),
    ).resolves.toBeDefined()
  })

  it('refuses tokens without sub, jti, iat or events, whatever signed them', async () => {
    for (const missing of ['sub', 'jti', 'iat'] as const) {
      expect(
        await rejection(verifier()(`Bearer ${await signSet(signer, { [missing]: undefined })}`)),
        missing,
      ).toBe('claims')
    }
    expect(await rejection(verifier()(`Bearer ${await signSet(signer, { sub: 42 })}`))).toBe('claims')
    expect(await rejection(verifier()(`Bearer ${await signSet(signer, { sub: 'a\nb' })}`))).toBe('claims')
    expect(await rejection(verifier()(`Bearer ${await signSet(signer, { jti: '' })}`))).toBe('claims')
    expect(await rejection(verifier()(`Bearer ${await signSet(signer, { iat: 'yesterday' })}`))).toBe(
      'claims',
    )
    // An ID token from the same key has no events: it is not an account event.
    for (const events of [undefined, {}, [], 'x', null]) {
      expect(await rejection(verifier()(`Bearer ${await signSet(signer, { events })}`)), String(events)).toBe(
        'not_a_set',
      )
    }
    expect(await rejection(verifier()(`Bearer ${await signSet(signer, {}, { typ: 'at+jwt' })}`))).toBe(
      'not_a_set',
    )
    await expect(
      verifier()(`Bearer ${await signSet(signer, {}, { typ: 'secevent+jwt' })}`),
    ).resolves.toBeDefined()
  })

  it('caches the key set, and refetches it once when a token names an unknown kid (rotation)', async () => {
    const verify = verifier({ cooldownMs: 0 })
    for (let i = 0; i < 5; i++) await verify(`Bearer ${await signSet(signer)}`)
    expect(endpoint.fetches).toBe(1)
    const next = await newSigner()
    endpoint.publish([signer, next])
    await expect(verify(`Bearer ${await signSet(next)}`)).resolves.toBeDefined()
    expect(endpoint.fetches).toBe(2)
    const stranger = await newSigner()
    expect(await rejection(verify(`Bearer ${await signSet(stranger)}`))).toBe('unknown_key')
    expect(endpoint.fetches).toBe(3)
  })

  it('does not refetch for unknown kids during the cooldown, and asks for redelivery instead of refusing', async () => {
    const verify = verifier({ cooldownMs: 60_000 })
    await verify(`Bearer ${await signSet(signer)}`)
    const stranger = await newSigner()
    for (let i = 0; i < 20; i++) {
      const error = await verify(`Bearer ${await signSet(stranger)}`).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(GateError)
      expect((error as GateError).code).toBe('PROVIDER_UNAVAILABLE')
    }
    expect(endpoint.fetches).toBe(1)
  })

  it('answers PROVIDER_UNAVAILABLE (FxA redelivers), never a rejection, when the keys cannot be fetched', async () => {
    endpoint.fail(true)
    const error = await verifier()(`Bearer ${await signSet(signer)}`).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GateError)
    expect((error as GateError).code).toBe('PROVIDER_UNAVAILABLE')
  })

  it('keeps the token out of rejection messages', async () => {
    const token = await signSet(signer, { aud: 'nope' })
    const error = (await verifier()(`Bearer ${token}`).catch((e: unknown) => e)) as Error
    expect(error.message).not.toContain(token.split('.')[1]!)
    expect(error.message).not.toContain(token.split('.')[2]!)
  })
})
