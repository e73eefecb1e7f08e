import { describe, expect, it } from 'vitest'
import { readBearer, refuseTokenInQuery } from '../../../src/bearer/authorization-header.ts'
import { GateError } from '../../../src/errors.ts'

const raw = (value: string) => ['Host', 'x', 'Authorization', value]

describe('reading the Authorization header', () => {
  it('finds a bearer token, with the scheme in any case (RFC 9110)', () => {
    expect(readBearer('Bearer abc.DEF-123_~+/=', raw('x'))).toEqual({
      kind: 'bearer',
      token: 'abc.DEF-123_~+/=',
    })
    expect(readBearer('bearer abc', raw('x'))).toEqual({ kind: 'bearer', token: 'abc' })
    expect(readBearer('BEARER abc', raw('x'))).toEqual({ kind: 'bearer', token: 'abc' })
  })

  it('leaves other schemes and absent headers alone', () => {
    expect(readBearer(undefined, [])).toEqual({ kind: 'none' })
    expect(readBearer('Basic dXNlcjpwYXNz', raw('x'))).toEqual({ kind: 'none' })
    expect(readBearerish('Bearerx abc')).toEqual({ kind: 'none' })
  })

  it.each([
    ['empty token', 'Bearer '],
    ['no token', 'Bearer'],
    ['two spaces', 'Bearer  abc'],
    ['Bearer twice', 'Bearer abc Bearer def'],
    ['a tab', 'Bearer\tabc'],
    ['a 10 KB token', `Bearer ${'a'.repeat(10_240)}`],
    ['a quote', 'Bearer "abc"'],
    ['non-ASCII', 'Bearer ab\u00e9'],
    ['trailing space', 'Bearer abc '],
  ])('refuses %s as invalid_request (401), never crashing', (_name, value) => {
    try {
      readBearer(value, raw(value))
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(GateError)
      expect((error as GateError).status).toBe(401)
      expect((error as GateError).wwwAuthenticate).toContain('error="invalid_request"')
    }
  })

  it('refuses two Authorization lines, whatever Node kept', () => {
    expect(() => readBearer('Bearer a', ['authorization', 'Bearer a', 'AUTHORIZATION', 'Bearer b'])).toThrow(
      GateError,
    )
  })

  it('refuses an access token in the query string', () => {
    expect(() => refuseTokenInQuery('https://a.example/x?access_token=abc')).toThrow(GateError)
    expect(() => refuseTokenInQuery('https://a.example/x?a=1&Access_Token=abc')).toThrow(GateError)
    expect(() => refuseTokenInQuery('https://a.example/x?not_access_token=1')).not.toThrow()
    expect(() => refuseTokenInQuery('https://a.example/access_token=x')).not.toThrow()
  })
})

function readBearerish(value: string) {
  return readBearer(value, raw(value))
}
