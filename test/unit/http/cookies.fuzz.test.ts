import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { CookieSettings } from '../../../src/config/derive.ts'
import { clearCookie, readCookie, setCookie } from '../../../src/http/cookies.ts'
import { fuzzRuns, fuzzSeed } from '../../support/fuzz.ts'

const options = () => ({ numRuns: fuzzRuns(), seed: fuzzSeed() })
const TIMEOUT = 60_000 + fuzzRuns() * 2

const settings = (secure: boolean, domain?: string) =>
  ({ secure, domain, sessionName: 'fxa_gate', loginName: 'fxa_gate_login' }) as unknown as CookieSettings

/** Cookie names fxa-gate accepts in its configuration, with and without the __Host-/__Secure- prefix. */
const cookieName = fc
  .tuple(fc.constantFrom('', '__Host-', '__Secure-'), fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/))
  .map(([prefix, name]) => `${prefix}${name}`)
/** What fxa-gate puts in its cookies: base64url tickets and sealed blobs. */
const ourValue = fc.stringMatching(/^[A-Za-z0-9_-]{0,120}$/)
/** Anything a browser or an attacker may put in a Cookie header. */
const hostileHeader = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom(';', '=', ' ', '"', '%', '%zz', '%2', '\t', ',', '\\', 'fxa_gate', '__Host-'),
        fc.string({ maxLength: 6 }),
      ),
      {
        maxLength: 30,
      },
    )
    .map((parts) => parts.join('')),
)

describe('cookies, property-based (fast-check)', () => {
  it('never throws on any Cookie header, whatever name is asked for', { timeout: TIMEOUT }, () => {
    fc.assert(
      fc.property(hostileHeader, fc.oneof(cookieName, fc.string({ maxLength: 10 })), (header, name) => {
        const value = readCookie(header, name)
        expect(value === undefined || typeof value === 'string').toBe(true)
      }),
      options(),
    )
  })

  it('reads back what it set, the first of a name winning, among any other cookies', {
    timeout: TIMEOUT,
  }, () => {
    const other = fc.tuple(
      fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/),
      fc.stringMatching(/^[A-Za-z0-9_.-]{0,10}$/),
    )
    fc.assert(
      fc.property(
        cookieName,
        ourValue,
        fc.array(other, { maxLength: 5 }),
        fc.array(other, { maxLength: 5 }),
        fc.boolean(),
        (name, value, before, after, secure) => {
          const pairOf = setCookie(settings(secure), name, value, 60_000).split(';')[0]!
          expect(pairOf).toBe(`${name}=${value}`)
          const others = before.filter(([other]) => other !== name)
          const header = [
            ...others.map(([n, v]) => `${n}=${v}`),
            pairOf,
            ...after.map(([n, v]) => `${n}=${v}`),
            `${name}=second`,
          ].join('; ')
          expect(readCookie(header, name)).toBe(value)
        },
      ),
      options(),
    )
  })

  it('writes Set-Cookie lines with fxa-gate attributes and nothing a value could inject', {
    timeout: TIMEOUT,
  }, () => {
    fc.assert(
      fc.property(
        cookieName,
        ourValue,
        fc.boolean(),
        fc.integer({ min: -1000, max: 10 ** 10 }),
        (name, value, secure, maxAge) => {
          for (const line of [
            setCookie(settings(secure), name, value, maxAge),
            clearCookie(settings(secure), name),
          ]) {
            expect(line).not.toMatch(/[\r\n\0]/)
            const attributes = line
              .split('; ')
              .slice(1)
              .map((attribute) => attribute.split('=')[0]!.toLowerCase())
            expect(attributes).toContain('httponly')
            expect(attributes).toContain('path')
            expect(attributes).toContain('samesite')
            expect(attributes.includes('secure')).toBe(secure)
            expect(line).toMatch(/; SameSite=Lax/)
            expect(Number(/Max-Age=(\d+)/.exec(line)?.[1])).toBeGreaterThanOrEqual(0)
          }
        },
      ),
      options(),
    )
  })

  it('encodes any value so it cannot split the header or add an attribute, and reads it back', {
    timeout: TIMEOUT,
  }, () => {
    fc.assert(
      fc.property(cookieName, fc.string({ unit: 'grapheme', maxLength: 30 }), (name, value) => {
        const line = setCookie(settings(true), name, value, 1000)
        const pair = line.slice(0, line.indexOf('; '))
        expect(pair).toMatch(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+=[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/)
        expect(readCookie(pair, name)).toBe(value)
      }),
      options(),
    )
  })

  it('refuses to write a cookie under a name that would split the header or the pair', {
    timeout: TIMEOUT,
  }, () => {
    fc.assert(
      fc.property(
        fc
          .string({ unit: 'grapheme', maxLength: 8 })
          .filter((name) => name === '' || /[;=\s\x00-\x1f\x7f]|[^\x00-\x7f]/.test(name)),
        (name) => {
          expect(() => setCookie(settings(true), name, 'x', 1000)).toThrow()
        },
      ),
      options(),
    )
  })
})
