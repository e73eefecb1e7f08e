import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CONFIG_KEYS } from '../../../src/config/schema.ts'
import { GateError } from '../../../src/errors.ts'
import {
  cleanRequestHeaders,
  compileCookieFilter,
  compileHeaderHygiene,
  foldHeaderName,
} from '../../../src/headers/hygiene.ts'
import { compileIdentityHeaders } from '../../../src/headers/identity-headers.ts'
import { identityLike } from '../../fixtures/forged-headers.ts'
import { fuzzRuns, fuzzSeed } from '../../support/fuzz.ts'

const options = () => ({ numRuns: fuzzRuns(), seed: fuzzSeed() })
const TIMEOUT = 60_000 + fuzzRuns() * 2
const options0 = {
  identityPrefix: 'X-User-',
  legacyNames: CONFIG_KEYS.legacyIdentityHeaders.schema.parse(undefined),
  writtenNames: compileIdentityHeaders('X-User-').names,
}
const hygiene = compileHeaderHygiene(options0)
const filterCookie = compileCookieFilter(['fxa_gate', 'fxa_gate_login'])

/** Test-side lists, folded: what must never reach the upstream as the client wrote it. */
const NEVER_FORWARDED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'proxy-authorization',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-prefix',
  'x-forwarded-uri',
  'x-original-url',
  'x-original-method',
  'x-rewrite-url',
  'x-real-ip',
  'true-client-ip',
])
/** Names handled one by one (kept only in their canonical spelling). */
const SPECIAL = new Set([
  'host',
  'cookie',
  'authorization',
  'connection',
  'content-length',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
])

const TCHAR_SEPARATORS = [..."-_.!#$%&'*+^`|~"]
/** Header names made of identity fragments, separators and noise, in any case. */
const headerName = fc.oneof(
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          'x',
          'user',
          'id',
          'auth',
          'request',
          'forwarded',
          'remote',
          'email',
          'groups',
          'amzn',
          'oidc',
          'ms',
          'client',
          'principal',
          'host',
          'cookie',
          'authorization',
          'connection',
          'for',
          'proto',
          'content',
          'length',
          'webauth',
          'vouch',
          'accept',
        ),
        fc.constantFrom(...TCHAR_SEPARATORS),
        fc.stringMatching(/^[a-z0-9]{1,4}$/),
      ),
      { minLength: 1, maxLength: 8 },
    )
    .chain((parts) =>
      fc
        .array(fc.boolean(), { minLength: parts.length, maxLength: parts.length })
        .map((upper) => parts.map((part, i) => (upper[i] ? part.toUpperCase() : part)).join('')),
    ),
  fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,24}$/),
)
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,40}$/)
const lines = fc.array(fc.tuple(headerName, headerValue), { maxLength: 12 })

function flat(pairs: readonly (readonly [string, string])[]): string[] {
  return pairs.flatMap(([name, value]) => [name, value])
}

function cleanOrRefusal(raw: string[]) {
  try {
    return { cleaned: cleanRequestHeaders(raw, hygiene, filterCookie) }
  } catch (error) {
    return { error }
  }
}

describe('header hygiene, property-based (fast-check)', () => {
  it('never forwards an identity-shaped, hop-by-hop or request-description name', {
    timeout: TIMEOUT,
  }, () => {
    fc.assert(
      fc.property(lines, (pairs) => {
        const outcome = cleanOrRefusal(flat(pairs))
        if ('error' in outcome) return
        for (const name of Object.keys(outcome.cleaned.headers)) {
          expect(identityLike(name), name).toBe(false)
          expect(NEVER_FORWARDED.has(foldHeaderName(name)), name).toBe(false)
          expect(name).toBe(name.toLowerCase())
        }
      }),
      options(),
    )
  })

  it('keeps every ordinary header, every value in order, under its lower-case name', {
    timeout: TIMEOUT,
  }, () => {
    fc.assert(
      fc.property(lines, (pairs) => {
        const outcome = cleanOrRefusal(flat(pairs))
        if ('error' in outcome) return
        const expected = new Map<string, string[]>()
        for (const [name, value] of pairs) {
          const folded = foldHeaderName(name)
          const ordinary =
            !identityLike(name) &&
            !SPECIAL.has(folded) &&
            !NEVER_FORWARDED.has(folded) &&
            !(name.toLowerCase() in Object.prototype)
          if (
            !ordinary ||
            folded.startsWith('sec-websocket-') ||
            folded === 'http2-settings' ||
            folded === 'proxy-authenticate'
          )
            continue
          if (
            [
              'x-forwarded-protocol',
              'x-forwarded-scheme',
              'x-forwarded-ssl',
              'x-forwarded-port',
              'x-forwarded-path',
              'x-forwarded-method',
              'x-forwarded-server',
              'x-original-uri',
              'x-original-host',
              'x-client-ip',
              'x-cluster-client-ip',
              'front-end-https',
              'x-url-scheme',
            ].includes(folded)
          )
            continue
          const key = name.toLowerCase()
          expected.set(key, [...(expected.get(key) ?? []), value])
        }
        const listed = new Set(
          pairs
            .filter(([name]) => name.toLowerCase() === 'connection')
            .flatMap(([, value]) => value.split(',').map((token) => token.trim().toLowerCase())),
        )
        for (const [name, values] of expected) {
          if (listed.has(name)) continue
          const got = outcome.cleaned.headers[name]
          expect(got === undefined ? [] : Array.isArray(got) ? got : [got], name).toEqual(values)
        }
      }),
      options(),
    )
  })

  it('refuses two Host or two Authorization lines with BAD_REQUEST, and throws nothing else', {
    timeout: TIMEOUT,
  }, () => {
    fc.assert(
      fc.property(
        lines,
        fc.constantFrom('Host', 'host', 'HOST', 'Authorization', 'authorization'),
        headerValue,
        (pairs, name, value) => {
          const raw = flat(pairs)
          const outcome = cleanOrRefusal(raw)
          if ('error' in outcome) {
            expect(outcome.error).toBeInstanceOf(GateError)
            expect((outcome.error as GateError).code).toBe('BAD_REQUEST')
          }
          const doubled = cleanOrRefusal([...raw, name, value, name, value])
          expect('error' in doubled && (doubled.error as GateError).code).toBe('BAD_REQUEST')
        },
      ),
      options(),
    )
  })

  it('folds names idempotently into lower-case words joined by single dashes', { timeout: TIMEOUT }, () => {
    fc.assert(
      fc.property(fc.oneof(headerName, fc.string({ maxLength: 30 })), (name) => {
        const folded = foldHeaderName(name)
        expect(folded).toMatch(/^([a-z0-9]+(-[a-z0-9]+)*)?$/)
        expect(foldHeaderName(folded)).toBe(folded)
        // The verdict does not depend on the memo: a fresh policy says the same.
        expect(hygiene.classify(name)).toEqual(compileHeaderHygiene(options0).classify(name))
      }),
      options(),
    )
  })

  it("filters fxa-gate's cookies out of a Cookie header and keeps the others in order", {
    timeout: TIMEOUT,
  }, () => {
    const cookieName = fc.oneof(
      fc.constantFrom(
        'fxa_gate',
        'FXA_GATE',
        '__Host-fxa_gate',
        '__Secure-fxa_gate_login',
        'fxa_gate_login',
        ' fxa_gate',
      ),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/),
    )
    const pair = fc.tuple(cookieName, fc.stringMatching(/^[A-Za-z0-9%=_-]{0,12}$/))
    const ours = (name: string) => /^(__host-|__secure-)?fxa_gate(_login)?$/.test(name.trim().toLowerCase())
    fc.assert(
      fc.property(
        fc.array(pair, { minLength: 1, maxLength: 8 }),
        fc.constantFrom(';', '; ', ' ;'),
        (pairs, separator) => {
          const header = pairs.map(([name, value]) => `${name}=${value}`).join(separator)
          const kept = filterCookie(header)
          const expected = pairs
            .filter(([name]) => !ours(name))
            .map(([name, value]) => `${name}=${value}`.trim())
          if (expected.length === 0) expect(kept).toBeUndefined()
          // Untouched when it names none of ours; re-joined with '; ' otherwise.
          else expect(kept?.split(/\s*;\s*/)).toEqual(expected)
        },
      ),
      options(),
    )
  })
})
