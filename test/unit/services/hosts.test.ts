import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Config } from '../../../src/config/derive.ts'
import { loadConfig } from '../../../src/config/load.ts'
import { parseAuthority } from '../../../src/decision/authority.ts'
import { GateError } from '../../../src/errors.ts'
import {
  type HostPattern,
  parseHostPattern,
  patternCovers,
  patternsOverlap,
} from '../../../src/services/hosts.ts'
import { compileServices } from '../../../src/services/registry.ts'
import { fuzzRuns, fuzzSeed } from '../../support/fuzz.ts'
import { describe as describeRequest } from '../../support/request-parts.ts'

function pattern(text: string): HostPattern {
  const parsed = parseHostPattern(text)
  if (typeof parsed === 'string') throw new Error(`${text}: ${parsed}`)
  return parsed
}

function configWith(services: unknown[]): Config {
  const result = loadConfig({
    env: {
      FXA_GATE_CLIENT_ID: 'abc',
      FXA_GATE_PUBLIC_URL: 'https://auth.example.com',
      FXA_GATE_COOKIE_SECRETS: 'x'.repeat(32),
      FXA_GATE_SERVICES: JSON.stringify(services),
    },
    readFile: () => '',
  })
  if (!result.ok) throw new Error(JSON.stringify(result.problems))
  return result.config
}

describe('service host patterns', () => {
  it('are read in the one canonical form of request hosts', () => {
    expect(pattern('App.Example.COM.')).toEqual({
      text: 'app.example.com',
      hostname: 'app.example.com',
      wildcard: false,
    })
    expect(pattern('*.Example.com.')).toEqual({
      text: '*.example.com',
      hostname: 'example.com',
      wildcard: true,
    })
    expect(pattern('10.0.0.1').hostname).toBe('10.0.0.1')
    expect(pattern('[::1]').hostname).toBe('[::1]')
    expect(pattern('xn--bcher-kva.example').hostname).toBe('xn--bcher-kva.example')
  })

  it.each([
    ['app.example.com:443', 'names no port'],
    ['app.example.com:', 'names no port'],
    ['[::1]:8443', 'names no port'],
    ['*.com', 'two labels'],
    ['*.10.0.0.1', 'not an IP'],
    ['*.*.example.com', 'host'],
    ['a.*.example.com', 'host'],
    ['*example.com', 'host'],
    ['bücher.example', 'punycode'],
    ['app example.com', 'host'],
    ['app.example.com/path', 'host'],
    ['user@app.example.com', 'host'],
    ['127.1', 'host'],
    ['', 'host'],
  ])('refuses %j', (raw, words) => {
    const problem = parseHostPattern(raw)
    expect(typeof problem).toBe('string')
    expect(problem).toContain(words === 'not an IP' ? 'not an IP address' : words)
  })

  it('overlap exactly when some host would be claimed by both', () => {
    const cases: [string, string, boolean][] = [
      ['app.example.com', 'app.example.com', true],
      ['app.example.com', 'APP.example.com.', true],
      ['app.example.com', 'api.example.com', false],
      ['*.example.com', 'example.com', false],
      ['*.example.com', 'app.example.com', true],
      ['*.example.com', 'a.b.example.com', true],
      ['*.example.com', 'evilexample.com', false],
      ['*.example.com', 'example.com.evil.test', false],
      ['*.example.com', '*.example.com', true],
      ['*.example.com', '*.a.example.com', true],
      ['*.example.com', '*.example.org', false],
      ['*.ample.com', '*.example.com', false],
    ]
    for (const [a, b, overlap] of cases) {
      expect(patternsOverlap(pattern(a), pattern(b)), `${a} ~ ${b}`).toBe(overlap)
      expect(patternsOverlap(pattern(b), pattern(a)), `${b} ~ ${a}`).toBe(overlap)
    }
  })

  it('overlap agrees with the hosts both cover (property)', () => {
    const labels = fc.constantFrom('a', 'b', 'example', 'com', 'x-1')
    const name = fc.array(labels, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.'))
    const entry = fc
      .tuple(fc.boolean(), name)
      .map(([wild, host]) => (wild && host.includes('.') ? `*.${host}` : host))
    fc.assert(
      fc.property(entry, entry, fc.array(labels, { maxLength: 2 }), (a, b, prefix) => {
        const [pa, pb] = [pattern(a), pattern(b)]
        // A host both could claim: the longer pattern's own name, with labels in front.
        const deeper = pa.hostname.length >= pb.hostname.length ? pa : pb
        const host = [...prefix, ...(deeper.wildcard ? ['z'] : []), deeper.hostname].join('.')
        if (patternCovers(pa, host) && patternCovers(pb, host)) expect(patternsOverlap(pa, pb)).toBe(true)
        if (!patternsOverlap(pa, pb)) expect(patternCovers(pa, host) && patternCovers(pb, host)).toBe(false)
      }),
      { numRuns: fuzzRuns(), seed: fuzzSeed() },
    )
  })
})

describe('the service registry', () => {
  const registry = compileServices(
    configWith([
      { name: 'app', hosts: ['app.example.com', 'APP.example.org.'], audience: 'app' },
      { name: 'docs', hosts: ['*.docs.example.com'], audience: 'docs' },
      { name: 'wild', hosts: ['*.example.net'], audience: 'wild' },
      { name: 'api', hosts: [], audience: 'api' },
    ]),
  )
  const serviceOf = (host: string, named?: string, pinned = true) =>
    registry.resolve(
      describeRequest({ host, target: '/', ...(pinned ? {} : { hostRouting: { kind: 'unpinned' } }) }),
      named,
    )?.name ?? null

  it('finds a service by a validated host: exact, then wildcard domains (never the domain itself)', () => {
    expect(serviceOf('app.example.com')).toBe('app')
    expect(serviceOf('APP.Example.Com.')).toBe('app')
    expect(serviceOf('app.example.com:8443')).toBe('app')
    expect(serviceOf('app.example.org')).toBe('app')
    expect(serviceOf('a.docs.example.com')).toBe('docs')
    expect(serviceOf('a.b.docs.example.com')).toBe('docs')
    expect(serviceOf('docs.example.com')).toBeNull()
    expect(serviceOf('x.example.net')).toBe('wild')
    expect(serviceOf('example.net')).toBeNull()
    expect(serviceOf('evilexample.net')).toBeNull()
    expect(serviceOf('example.net.evil.test')).toBeNull()
    expect(serviceOf('app.example.com.evil.test')).toBeNull()
    expect(serviceOf('10.0.0.1')).toBeNull()
    expect(serviceOf('[::1]:4180')).toBeNull()
  })

  it('takes a named service where the host claims none, and refuses a contradiction or an unknown name', () => {
    expect(serviceOf('internal.svc', 'api')).toBe('api')
    expect(serviceOf('app.example.com', 'app')).toBe('app')
    const refusal = (fn: () => unknown) => {
      try {
        fn()
      } catch (error) {
        return error instanceof GateError ? error.code : 'other'
      }
      return 'none'
    }
    expect(refusal(() => serviceOf('app.example.com', 'docs'))).toBe('HOST_MISMATCH')
    expect(refusal(() => serviceOf('app.example.com', 'nope'))).toBe('BAD_REQUEST')
    expect(refusal(() => serviceOf('x', '__proto__'))).toBe('BAD_REQUEST')
  })

  it("chooses nothing by a host the proxy's routing does not vouch for", () => {
    expect(serviceOf('app.example.com', undefined, false)).toBeNull()
    expect(serviceOf('app.example.com', 'docs', false)).toBe('docs')
  })

  it('matches what the patterns cover, for any host (property)', () => {
    const labels = fc.constantFrom('app', 'docs', 'example', 'com', 'net', 'org', 'x', 'b')
    const host = fc.array(labels, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('.'))
    fc.assert(
      fc.property(host, (candidate) => {
        const hostname = parseAuthority(candidate, 'https').hostname
        const covering = registry.services.filter((service) =>
          service.hosts.some((entry) => patternCovers(entry, hostname)),
        )
        expect(covering.length).toBeLessThanOrEqual(1)
        expect(registry.forHostname(hostname)?.name).toBe(covering[0]?.name)
      }),
      { numRuns: fuzzRuns(), seed: fuzzSeed() },
    )
  })
})
