import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { deriveKeyring } from '../../../src/crypto/keyring.ts'
import { recordMac } from '../../../src/crypto/record-mac.ts'
import { createRecordCodec } from '../../../src/session/record.ts'
import type { SessionRecord } from '../../../src/session/types.ts'
import { fuzzRuns, fuzzSeed } from '../../support/fuzz.ts'

const OLD = 'o'.repeat(40)
const NEW = 'n'.repeat(40)
const ring = (...secrets: string[]) => deriveKeyring(secrets, 'session-record')

const record = (overrides: Partial<SessionRecord> = {}): SessionRecord => ({
  v: 1,
  uid: 'uid-alice',
  email: 'alice@example.org',
  displayName: 'Alice',
  locale: 'en-US',
  avatar: null,
  subscriptions: ['pro'],
  scopes: ['openid', 'profile'],
  loginAt: 1_900_000_000_000,
  expiresAt: 1_900_600_000_000,
  aal: 2,
  amr: ['pwd', 'otp'],
  tokens: 'sealed',
  ...overrides,
})

describe('session records at rest', () => {
  it('open to what was sealed', () => {
    const codec = createRecordCodec(ring(NEW))
    const { json, mac } = codec.seal('key-1', record())
    expect(codec.open('key-1', json, mac)).toEqual({ ok: true, record: record() })
  })

  it('open with what a login remembers of the browser (user-sessions/client-facts.ts)', () => {
    const codec = createRecordCodec(ring(NEW))
    for (const facts of [
      { userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0' },
      { ip: '203.0.113.0/24' },
      { userAgent: 'curl/8.0', ip: '2001:db8:1::/48' },
    ]) {
      const { json, mac } = codec.seal('key-1', record(facts))
      expect(codec.open('key-1', json, mac)).toEqual({ ok: true, record: record(facts) })
    }
  })

  it('still open after a rotation (sealed with the old secret, opened with [new, old])', () => {
    const { json, mac } = createRecordCodec(ring(OLD)).seal('key-1', record())
    expect(createRecordCodec(ring(NEW, OLD)).open('key-1', json, mac).ok).toBe(true)
    expect(createRecordCodec(ring(NEW)).open('key-1', json, mac)).toEqual({ ok: false, problem: 'mac' })
  })

  it('do not open under another session key, nor once a byte changed', () => {
    const codec = createRecordCodec(ring(NEW))
    const { json, mac } = codec.seal('key-1', record())
    expect(codec.open('key-2', json, mac)).toEqual({ ok: false, problem: 'mac' })
    const forged = json.replace('uid-alice', 'uid-mallory')
    expect(codec.open('key-1', forged, mac)).toEqual({ ok: false, problem: 'mac' })
    expect(codec.open('key-1', json, '')).toEqual({ ok: false, problem: 'mac' })
    expect(codec.open('key-1', json, `${mac.split('.')[0]}.AAAA`)).toEqual({ ok: false, problem: 'mac' })
  })

  it('with a valid MAC but a field missing, mistyped, unknown or over its cap, are invalid (schema)', () => {
    const keys = ring(NEW)
    const codec = createRecordCodec(keys)
    const bad: Array<Record<string, unknown>> = [
      { ...record(), subscriptions: undefined },
      { ...record(), email: 42 },
      { ...record(), subscriptions: 'pro' },
      { ...record(), extra: true },
      { ...record(), displayName: 'x'.repeat(257) },
      { ...record(), subscriptions: Array.from({ length: 65 }, (_, i) => `c${i}`) },
      { ...record(), v: 2 },
      { ...record(), userAgent: 'x'.repeat(257) },
      { ...record(), userAgent: 'line\nbreak' },
      { ...record(), ip: '203.0.113.7' },
      { ...record(), ip: 42 },
    ]
    for (const value of bad) {
      const json = JSON.stringify(value)
      expect(codec.open('k', json, recordMac(keys, 'k', json)), json.slice(0, 80)).toEqual({
        ok: false,
        problem: 'schema',
      })
    }
    const notJson = '{"v":1,'
    expect(codec.open('k', notJson, recordMac(keys, 'k', notJson))).toEqual({
      ok: false,
      problem: 'unparsable',
    })
  })

  it('never open a record under a key it was not sealed for (property)', () => {
    const codec = createRecordCodec(ring(NEW))
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        fc.string({ maxLength: 64 }),
        (a, b, name) => {
          const { json, mac } = codec.seal(a, record({ displayName: name }))
          expect(codec.open(a, json, mac).ok).toBe(true)
          if (a !== b) expect(codec.open(b, json, mac).ok).toBe(false)
        },
      ),
      { numRuns: Math.min(fuzzRuns(), 2000), seed: fuzzSeed() },
    )
  })
})
