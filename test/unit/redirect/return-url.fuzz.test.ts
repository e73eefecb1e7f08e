import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkReturnUrl, compileReturnUrlPolicy, resolveReturnUrl } from '../../../src/redirect/return-url.ts'
import { fuzzRuns, fuzzSeed } from '../../support/fuzz.ts'

const options = () => ({ numRuns: fuzzRuns(), seed: fuzzSeed() })
const TIMEOUT = 60_000 + fuzzRuns() * 3
const PUBLIC = 'https://gate.example.test'
const policy = compileReturnUrlPolicy({
  publicUrl: PUBLIC,
  allowedHosts: ['app.example.test', 'ports.example.test:8443', '*.example.org'],
  defaultRedirect: '/home',
})

/** The allow-list, written again test-side: exact hosts, one host:port, strict sub-domains of example.org. */
function allowedByOracle(url: URL): boolean {
  const port = url.port === '' ? (url.protocol === 'https:' ? '443' : '80') : url.port
  if (url.protocol === 'https:' && url.hostname === 'gate.example.test' && port === '443') return true
  if (url.hostname === 'app.example.test') return true
  if (url.hostname === 'ports.example.test' && port === '8443') return true
  return url.hostname.endsWith('.example.org') && url.hostname.length > '.example.org'.length
}

/** What a browser (or a server decoding once more) may make of the value, layer by layer. */
function decodings(value: string): string[] {
  const layers = [value]
  let current = value
  for (let i = 0; i < 4; i++) {
    const next = current.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
      String.fromCharCode(parseInt(hex, 16)),
    )
    if (next === current) break
    layers.push(next)
    current = next
  }
  return layers
}

const FRAGMENTS = [
  '/',
  '//',
  '\\',
  '/\\',
  '%2f',
  '%2F',
  '%5c',
  '%5C',
  '%252f',
  '%25',
  '%',
  '%zz',
  '%0a',
  '%09',
  '%00',
  '%20',
  '@',
  ':',
  '.',
  '..',
  './',
  '../',
  '#',
  '?',
  '&',
  '=',
  ';',
  '\t',
  '\n',
  '\r',
  ' ',
  '\u000b',
  'https:',
  'http:',
  'HTTPS://',
  'javascript:',
  'JaVaScRiPt:',
  'data:',
  'vbscript:',
  'ftp:',
  'evil.test',
  'app.example.test',
  'gate.example.test',
  'example.org',
  '.example.org',
  'a.example.org',
  'ports.example.test',
  ':8443',
  ':443',
  ':80',
  ':0',
  ':99999',
  '[::1]',
  '127.0.0.1',
  'x',
  'path',
  'é',
  '／',
  '〱',
  '\u2215',
  '\uff0e',
  '\u0000',
  'a'.repeat(100),
]
const hostile = fc.oneof(
  fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 12 }).map((parts) => parts.join('')),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.webPath().map((path) => `/${path}`),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
)

describe('return URLs, property-based (fast-check)', () => {
  it('never throws, and always gives a Location that stays on fxa-gate or goes to an allowed host', {
    timeout: TIMEOUT,
  }, () => {
    fc.assert(
      fc.property(hostile, (input) => {
        const location = resolveReturnUrl(policy, input)
        expect(location.length).toBeLessThanOrEqual(8192)
        expect(location).toMatch(/^[\x21-\x7e]+$/)
        // Where a browser goes from a page of fxa-gate (WHATWG URL, what browsers use).
        const target = new URL(location, `${PUBLIC}/_gate/logout`)
        expect(['http:', 'https:']).toContain(target.protocol)
        expect(target.username + target.password).toBe('')
        if (location.startsWith('/')) {
          expect(target.origin).toBe(PUBLIC)
          expect(location.startsWith('//')).toBe(false)
        } else {
          expect(allowedByOracle(target), location).toBe(true)
        }
        for (const layer of decodings(location)) {
          expect(layer).not.toMatch(/[\x00-\x1f\x7f\\]/)
          if (location.startsWith('/')) expect(layer.startsWith('//'), layer).toBe(false)
        }
      }),
      options(),
    )
  })

  it('accepts its own output unchanged (one reading, stable)', { timeout: TIMEOUT }, () => {
    fc.assert(
      fc.property(hostile, (input) => {
        const check = checkReturnUrl(policy, input)
        if (!check.ok) return
        expect(checkReturnUrl(policy, check.url)).toEqual({ ok: true, url: check.url })
        // The host a browser would go to is the host fxa-gate checked.
        if (!check.url.startsWith('/')) expect(new URL(check.url).host).toBe(new URL(input).host)
      }),
      options(),
    )
  })

  it('keeps every safe relative path, and every URL on an allowed host, as the browser would read it', {
    timeout: TIMEOUT,
  }, () => {
    const safePath = fc
      .array(fc.stringMatching(/^[A-Za-z0-9_~-]{1,8}$/), { minLength: 1, maxLength: 5 })
      .map((segments) => `/${segments.join('/')}`)
    const host = fc.constantFrom(
      'app.example.test',
      'x.example.org',
      'a.b.example.org',
      'ports.example.test:8443',
      'gate.example.test',
    )
    fc.assert(
      fc.property(safePath, host, fc.stringMatching(/^[a-z0-9=&]{0,12}$/), (path, name, query) => {
        const suffix = query === '' ? '' : `?${query}`
        expect(resolveReturnUrl(policy, `${path}${suffix}`)).toBe(`${path}${suffix}`)
        const absolute = `https://${name}${path}${suffix}`
        expect(resolveReturnUrl(policy, absolute)).toBe(new URL(absolute).href)
      }),
      options(),
    )
  })
})
