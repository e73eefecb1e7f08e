import { describe, expect, it } from 'vitest'
import { parseAuthority } from '../../../src/decision/authority.ts'
import { GateError } from '../../../src/errors.ts'
import { HOST_CASES, PARSER_ONLY_HOSTS } from '../../fixtures/hosts.ts'

function refused(raw: string): GateError {
  try {
    parseAuthority(raw, 'http')
  } catch (error) {
    expect(error).toBeInstanceOf(GateError)
    return error as GateError
  }
  throw new Error(`${JSON.stringify(raw)} was accepted`)
}

describe('parseAuthority (Host, X-Forwarded-Host, :authority)', () => {
  it(`has at least 100 hostile and ordinary hosts (${HOST_CASES.length})`, () =>
    expect(HOST_CASES.length).toBeGreaterThanOrEqual(100))

  it.each(HOST_CASES.filter((test) => test.valid))('reads $host as $canonical', ({ host, canonical }) => {
    expect(parseAuthority(host, 'http').host).toBe(canonical)
  })

  it.each(HOST_CASES.filter((test) => !test.valid).map((test) => [JSON.stringify(test.host), test.host]))(
    'refuses %s with 400',
    (_label, host) => {
      expect(refused(host).status).toBe(400)
      expect(refused(host).code).toBe('BAD_REQUEST')
    },
  )

  it.each(PARSER_ONLY_HOSTS.map((host) => [JSON.stringify(host), host]))(
    'refuses %s, which no HTTP parser would hand over either',
    (_label, host) => {
      expect(refused(host).status).toBe(400)
    },
  )

  it("drops the scheme's default port only", () => {
    expect(parseAuthority('app.example.com:443', 'https').host).toBe('app.example.com')
    expect(parseAuthority('app.example.com:80', 'https').host).toBe('app.example.com:80')
    expect(parseAuthority('[::1]:443', 'https')).toEqual({
      hostname: '[::1]',
      port: undefined,
      host: '[::1]',
    })
    expect(parseAuthority('App.Example.com.:8443', 'https')).toEqual({
      hostname: 'app.example.com',
      port: 8443,
      host: 'app.example.com:8443',
    })
  })
})
