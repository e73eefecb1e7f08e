import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readBearer } from '../../../src/bearer/authorization-header.ts'
import { GateError } from '../../../src/errors.ts'
import { fuzzRuns, fuzzSeed } from '../../support/fuzz.ts'

const options = () => ({ numRuns: fuzzRuns(), seed: fuzzSeed() })
const TIMEOUT = 60_000 + fuzzRuns() * 2

type Reading = { kind: 'none' } | { kind: 'bearer'; token: string } | { kind: 'malformed' }

/**
 * The rule, written again test-side with regular expressions: a scheme other than Bearer is no
 * bearer credential; `Bearer`, any case, is exactly one space and one b64token of at most 4 KiB.
 */
function oracle(value: string | undefined, lines: number): Reading {
  if (value === undefined) return { kind: 'none' }
  if (lines > 1) return { kind: 'malformed' }
  const valid = /^bearer ([A-Za-z0-9\-._~+/]{1,4096}=*)$/i.exec(value)
  if (valid) return { kind: 'bearer', token: valid[1]! }
  if (/^bearer(\s|$)/i.test(value)) return { kind: 'malformed' }
  return { kind: 'none' }
}

function read(value: string | undefined, raw: string[]): Reading {
  try {
    return readBearer(value, raw)
  } catch (error) {
    expect(error).toBeInstanceOf(GateError)
    expect((error as GateError).code).toBe('BEARER_MALFORMED')
    expect((error as GateError).wwwAuthenticate).toContain('error="invalid_request"')
    return { kind: 'malformed' }
  }
}

const token = fc
  .tuple(fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,80}$/), fc.stringMatching(/^={0,3}$/))
  .map(([body, pad]) => body + pad)
const header = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(
        'Bearer',
        'bearer',
        'BEARER',
        'BeArEr',
        'Basic',
        'Bearerish',
        'Bear',
        'Token',
        'Bearer:',
        '',
      ),
      fc.constantFrom(' ', '  ', '\t', '', ' \t', '\u00a0', ','),
      fc.oneof(token, fc.string({ maxLength: 20 }), fc.constant('a Bearer b'), fc.constant('x'.repeat(4097))),
      fc.constantFrom('', ' ', '=', ',', '\t', ' extra'),
    )
    .map(([scheme, gap, value, tail]) => `${scheme}${gap}${value}${tail}`),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
)
const authorizationName = fc.constantFrom('Authorization', 'authorization', 'AUTHORIZATION')

describe('the Authorization header, property-based (fast-check)', () => {
  it('reads every value as the rule says: a token, no bearer credential, or invalid_request', {
    timeout: TIMEOUT,
  }, () => {
    fc.assert(
      fc.property(fc.option(header, { nil: undefined }), authorizationName, (value, name) => {
        const raw = value === undefined ? ['Accept', '*/*'] : ['Accept', '*/*', name, value]
        expect(read(value, raw)).toEqual(oracle(value, value === undefined ? 0 : 1))
      }),
      options(),
    )
  })

  it('takes back exactly the token of `Bearer <token>` in any case of the scheme', {
    timeout: TIMEOUT,
  }, () => {
    fc.assert(
      fc.property(token, fc.constantFrom('Bearer', 'bearer', 'BEARER', 'bEaReR'), (value, scheme) => {
        const line = `${scheme} ${value}`
        expect(read(line, ['Authorization', line])).toEqual({ kind: 'bearer', token: value })
      }),
      options(),
    )
  })

  it('refuses two Authorization lines, whatever they hold and however they are spelled', {
    timeout: TIMEOUT,
  }, () => {
    fc.assert(
      fc.property(header, header, authorizationName, authorizationName, (first, second, a, b) => {
        expect(read(first, [a, first, 'X-Other', 'y', b, second])).toEqual({ kind: 'malformed' })
      }),
      options(),
    )
  })
})
