import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bodyKind,
  isMethodParameter,
  METHOD_OVERRIDE_HEADERS,
  methodReadings,
} from '../../../src/decision/methods.ts'
import { GateError } from '../../../src/errors.ts'
import { foldHeaderName } from '../../../src/headers/hygiene.ts'
import { fuzzRuns, fuzzSeed } from '../../support/fuzz.ts'

describe('methodReadings', () => {
  it('reads the request line as sent and upper-cased', () => {
    expect(methodReadings('GET', [], '')).toEqual(['GET'])
    expect(methodReadings('get', [], '')).toEqual(['get', 'GET'])
  })

  it('adds every override header in any spelling, as sent and upper-cased', () => {
    const raw = ['X_HTTP_Method_Override', 'delete', 'x.method.override', 'PUT', 'X-HTTP-Method', 'PATCH']
    expect(methodReadings('GET', raw, '')).toEqual(['GET', 'delete', 'DELETE', 'PUT', 'PATCH'])
  })

  it('reads a header as an override exactly when the hygiene folds its name to one (fast-check)', () => {
    const piece = fc.constantFrom(
      'x',
      'X',
      'http',
      'HTTP',
      'method',
      'Method',
      'override',
      'OVERRIDE',
      'a',
      '1',
    )
    const separator = fc.constantFrom('-', '_', '.', '--', ' ', '~', '')
    const name = fc
      .array(fc.tuple(separator, piece), { minLength: 1, maxLength: 5 })
      .chain((parts) => separator.map((last) => `${parts.map(([sep, word]) => sep + word).join('')}${last}`))
    fc.assert(
      fc.property(name, (raw) => {
        const read = methodReadings('GET', [raw, 'DELETE'], '').includes('DELETE')
        expect(read).toBe(METHOD_OVERRIDE_HEADERS.includes(foldHeaderName(raw)))
      }),
      { numRuns: fuzzRuns(), seed: fuzzSeed() },
    )
  })

  it('ignores headers that only mention a method', () => {
    expect(
      methodReadings('GET', ['X-Payment-Method', 'card', 'Access-Control-Request-Method', 'PUT'], ''),
    ).toEqual(['GET'])
  })

  it('adds _method from the query in the spellings PHP and others fold to it', () => {
    for (const query of [
      '_method=DELETE',
      '%5Fmethod=DELETE',
      '.method=DELETE',
      '_METHOD=DELETE',
      '_method[]=DELETE',
    ])
      expect(methodReadings('POST', [], query), query).toContain('DELETE')
    expect(methodReadings('POST', [], '%5F%6Dethod=delete')).toEqual(['POST', 'delete', 'DELETE'])
    expect(methodReadings('POST', [], 'payment_method=card&method=x')).toEqual(['POST'])
  })

  it.each([
    ['a request-line method that is no token', 'G ET', [], ''],
    ['an override listing two methods', 'GET', ['X-HTTP-Method-Override', 'DELETE, GET'], ''],
    ['an empty override', 'GET', ['X-Method-Override', ''], ''],
    ['an override with a space', 'GET', ['X-HTTP-Method', 'DE LETE'], ''],
    ['a _method that is no token', 'POST', [], '_method=DEL%20ETE'],
    ['an empty _method', 'POST', [], '_method='],
  ] as const)('refuses %s with 400', (_name, method, raw, query) => {
    expect(() => methodReadings(method, raw, query)).toThrow(GateError)
  })
})

describe('isMethodParameter', () => {
  // PHP reads a parameter name as a C string: `_method%00…` is `_method` to Laravel and Symfony.
  it.each([
    '_method',
    '_METHOD',
    '.method',
    ' method',
    '_method[]',
    '_method[x]',
    '  _method',
    '_method\0',
    '_method\0x',
    '.method\0[]',
  ])('%j is _method', (name) => expect(isMethodParameter(name)).toBe(true))
  it.each(['method', 'payment_method', '_method_', '_methods', '_method[', 'x_method', '_m'])(
    '%j is not',
    (name) => expect(isMethodParameter(name)).toBe(false),
  )
})

describe('bodyKind', () => {
  it.each([
    ['POST', undefined, 'urlencoded'],
    ['POST', 'application/x-www-form-urlencoded', 'urlencoded'],
    ['PUT', 'Application/X-WWW-Form-Urlencoded ; charset=utf-8', 'urlencoded'],
    ['POST', 'multipart/form-data; boundary=x', 'multipart'],
    ['POST', 'multipart/mixed; boundary=x', 'multipart'],
    ['POST', 'application/json', 'json'],
    ['PATCH', 'application/merge-patch+json', 'json'],
    ['POST', 'text/plain', undefined],
    ['POST', 'application/octet-stream', undefined],
    ['PUT', undefined, undefined],
    ['GET', 'application/x-www-form-urlencoded', undefined],
    ['HEAD', 'application/json', undefined],
    // PHP cuts the type at `;`, `,` or a space, Rack at `;` or `,`.
    ['POST', 'application/x-www-form-urlencoded, text/plain', 'urlencoded'],
    ['POST', 'application/x-www-form-urlencoded text/plain', 'urlencoded'],
    ['POST', 'multipart/form-data,boundary=x', 'multipart'],
    // Laravel reads a body as JSON when its type contains `/json` or `+json` anywhere.
    ['POST', 'text/plain; x=/json', 'json'],
    ['POST', 'text/plain, application/json', 'json'],
    ['PUT', 'application/octet-stream; profile=x+json', 'json'],
    // A form to PHP and JSON to Laravel: no one reading of the body tells what it names.
    ['POST', 'application/x-www-form-urlencoded; x=/json', 'unknown'],
    ['POST', 'multipart/form-data; boundary=/json', 'unknown'],
  ] as const)('%s with Content-Type %j may carry _method as %s', (method, type, kind) => {
    expect(bodyKind(method, type)).toBe(kind)
  })
})
