import { generateKeyPairSync } from 'node:crypto'
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { generateSigningKey, parsePublicKeys } from '../../../src/assertion/keys.ts'
import { createAssertionSigner } from '../../../src/assertion/signer.ts'
import type { Identity } from '../../../src/identity/identity.ts'

const ann: Identity = {
  uid: '0123456789abcdef0123456789abcdef',
  email: 'ann@example.org',
  displayName: 'Ann Example',
  locale: 'fr',
  avatar: null,
  subscriptions: ['premium'],
  scopes: ['openid', 'profile'],
  aal: 2,
  auth: 'session',
}

function signer(now: { value: number }, extra: Partial<Parameters<typeof createAssertionSigner>[0]> = {}) {
  let signed = 0
  const created = createAssertionSigner({
    key: generateSigningKey(),
    published: [],
    issuer: 'https://gate.example.org',
    audience: 'https://app.example.org',
    ttlMs: 60_000,
    clock: () => now.value,
    ephemeral: false,
    onSign: () => signed++,
    ...extra,
  })
  return { signer: created, signed: () => signed }
}

describe('the assertion signer', () => {
  it('signs a JWT that verifies against its JWKS, with the identity in it', async () => {
    const now = { value: Date.now() }
    const { signer: s } = signer(now)
    const { token, expiresAt } = await s.assertionFor(ann)
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(s.jwks as never), {
      issuer: 'https://gate.example.org',
      audience: 'https://app.example.org',
    })
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: s.jwks.keys[0]!.kid, typ: 'JWT' })
    expect(payload).toMatchObject({
      sub: ann.uid,
      email: 'ann@example.org',
      name: 'Ann Example',
      locale: 'fr',
      capabilities: ['premium'],
      scope: 'openid profile',
      aal: 2,
      auth: 'session',
    })
    expect(payload.exp! - payload.iat!).toBe(60)
    expect(expiresAt).toBe(payload.exp! * 1000)
  })

  it('leaves out claims the identity does not have', () => {
    const now = { value: Date.now() }
    return signer(now)
      .signer.assertionFor({ ...ann, email: null, displayName: null, locale: null })
      .then(({ token }) => {
        const claims = decodeJwt(token)
        expect(claims).not.toHaveProperty('email')
        expect(claims).not.toHaveProperty('name')
      })
  })

  it('hands out the same token until half its lifetime has passed, then signs a new one', async () => {
    const now = { value: 1_800_000_000_000 }
    const { signer: s, signed } = signer(now)
    const first = await s.assertionFor(ann)
    now.value += 29_000
    expect((await s.assertionFor({ ...ann })).token).toBe(first.token) // an equal identity, another object
    expect(signed()).toBe(1)
    now.value += 1_000
    const second = await s.assertionFor(ann)
    expect(second.token).not.toBe(first.token)
    expect(signed()).toBe(2)
  })

  it('signs again when the identity changes', async () => {
    const now = { value: Date.now() }
    const { signer: s, signed } = signer(now)
    await s.assertionFor(ann)
    const changed = await s.assertionFor({ ...ann, subscriptions: [] })
    expect(decodeJwt(changed.token)['capabilities']).toEqual([])
    expect(signed()).toBe(2)
  })

  it('carries metrics consent and groups, signs again when consent changes, and leaves out an unknown AAL', async () => {
    const now = { value: Date.now() }
    const { signer: s, signed } = signer(now)
    const consenting = decodeJwt(
      (await s.assertionFor({ ...ann, metricsEnabled: true, groups: ['staff'] })).token,
    )
    expect(consenting).toMatchObject({ metrics_enabled: true, groups: ['staff'], aal: 2 })
    const optedOut = decodeJwt(
      (await s.assertionFor({ ...ann, metricsEnabled: false, groups: ['staff'] })).token,
    )
    expect(optedOut['metrics_enabled']).toBe(false)
    expect(signed()).toBe(2)
    const bearer = decodeJwt((await s.assertionFor({ ...ann, auth: 'bearer', aal: 0 })).token)
    expect(bearer).not.toHaveProperty('aal')
    expect(bearer).not.toHaveProperty('metrics_enabled')
    expect(bearer).not.toHaveProperty('groups')
  })

  it('never hands one identity the token of another whose claims join to the same text', async () => {
    // The user chooses a display name; an email or a capability may hold a separator too.
    const now = { value: Date.now() }
    const { signer: s } = signer(now)
    const pairs: [Partial<Identity>, Partial<Identity>][] = [
      [
        { email: 'ann@example.org\nAnn', displayName: 'Example' },
        { email: 'ann@example.org', displayName: 'Ann\nExample' },
      ],
      [{ displayName: 'null' }, { displayName: null }],
      [{ subscriptions: ['premium,pro'] }, { subscriptions: ['premium', 'pro'] }],
      [{ scopes: ['openid profile'] }, { scopes: ['openid', 'profile'] }],
    ]
    for (const [first, second] of pairs) {
      const one = decodeJwt((await s.assertionFor({ ...ann, ...first })).token)
      const other = decodeJwt((await s.assertionFor({ ...ann, ...second })).token)
      expect([one['email'], one['name'], one['capabilities']]).toEqual([
        first.email ?? ann.email,
        first.displayName === null ? undefined : (first.displayName ?? ann.displayName),
        first.subscriptions ?? ann.subscriptions,
      ])
      expect([other['email'], other['name'], other['capabilities']]).toEqual([
        second.email ?? ann.email,
        second.displayName === null ? undefined : (second.displayName ?? ann.displayName),
        second.subscriptions ?? ann.subscriptions,
      ])
    }
  })

  it('shares one signature between concurrent requests of one user', async () => {
    const now = { value: Date.now() }
    const { signer: s, signed } = signer(now)
    const tokens = await Promise.all(Array.from({ length: 50 }, () => s.assertionFor(ann)))
    expect(new Set(tokens.map((t) => t.token)).size).toBe(1)
    expect(signed()).toBe(1)
  })

  it('answers from the cache synchronously once signed, and not after the half-life', async () => {
    const now = { value: Date.now() }
    const { signer: s } = signer(now)
    expect(s.cachedFor(ann)).toBeUndefined()
    const { token } = await s.assertionFor(ann)
    expect(s.cachedFor(ann)?.token).toBe(token)
    now.value += 31_000
    expect(s.cachedFor(ann)).toBeUndefined()
  })

  it('publishes the previous keys after its own, once each', () => {
    const previous = parsePublicKeys(
      generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .publicKey.export({ format: 'pem', type: 'spki' })
        .toString(),
    )
    const key = generateSigningKey()
    const s = createAssertionSigner({
      key,
      published: [...previous, key.publicJwk],
      issuer: 'i',
      audience: 'a',
      ttlMs: 60_000,
      clock: Date.now,
      ephemeral: false,
    })
    expect(s.jwks.keys.map((jwk) => jwk.kid)).toEqual([key.kid, previous[0]!.kid])
  })
})
