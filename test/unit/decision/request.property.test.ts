import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseAuthority } from '../../../src/decision/authority.ts'
import { removeDotSegments } from '../../../src/decision/path.ts'
import { splitAbsoluteUrl } from '../../../src/decision/request.ts'
import { GateError } from '../../../src/errors.ts'
import { fuzzRuns, fuzzSeed } from '../../support/fuzz.ts'
import { describe as describeRequest } from '../../support/request-parts.ts'

const options = () => ({ numRuns: fuzzRuns(), seed: fuzzSeed() })

/** Runs `describe`; null when it refused the request with a 400 (anything else thrown fails the property). */
function tryDescribe(target: string, host = 'app.example.com', headers: [string, string][] = []) {
  try {
    return describeRequest({ host, target, headers })
  } catch (error) {
    if (error instanceof GateError && error.status === 400) return null
    throw error
  }
}

function tryAuthority(raw: string) {
  try {
    return parseAuthority(raw, 'http')
  } catch (error) {
    if (error instanceof GateError && error.status === 400) return null
    throw error
  }
}

/** Path pieces attackers combine: dots in every encoding, slashes, params, case, odd escapes. */
const SEGMENTS = [
  'public',
  'private',
  'PUBLIC',
  'a',
  '',
  '.',
  '..',
  '...',
  '%2e',
  '%2E',
  '%2e%2e',
  '.%2e',
  '%2e.',
  '%2f',
  '%2F',
  '..%2f',
  '%2f..',
  ';x=1',
  '..;',
  '%3b',
  '%41',
  '%c3%a9',
  '%c0%af',
  '%25',
  '%252e',
  '%00',
  '%5c',
  '%',
  '%zz',
  '~',
  '!$&()*+,=:@',
  '"<>^`{|}',
]
const rawPath = fc
  .array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 8 })
  .chain((segments) =>
    fc
      .array(fc.constantFrom('/', '/', '/', '//'), { minLength: segments.length, maxLength: segments.length })
      .map((slashes) => segments.map((segment, i) => `${slashes[i]}${segment}`).join('')),
  )
/** Any printable-ASCII target, to reach what the structured generator does not. */
const anyTarget = fc
  .string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
    maxLength: 40,
  })
  .map((rest) => `/${rest}`)

/**
 * nginx's reading of a path (ngx_http_parse_complex_uri with merge_slashes on): every escape is
 * decoded and then read like the character itself, except `%00` and `%25`; runs of `/` are merged;
 * `.` and `..` segments are resolved, and `..` above the root is an error.
 */
function nginxReading(raw: string): string | null {
  let decoded = ''
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '%' && /^[0-9a-f]{2}$/i.test(raw.slice(i + 1, i + 3))) {
      decoded += String.fromCharCode(Number.parseInt(raw.slice(i + 1, i + 3), 16))
      i += 2
    } else if (raw[i] === '%') {
      return null // nginx refuses a malformed escape with 400
    } else {
      decoded += raw[i]
    }
  }
  const merged = decoded.replace(/\/{2,}/g, '/')
  let depth = 0
  for (const segment of merged.split('/').slice(1)) {
    if (segment === '..') depth--
    else if (segment !== '.' && segment !== '') depth++
    if (depth < 0) return null
  }
  // nginx works on bytes: read them as UTF-8 the way fxa-gate's single decoding does.
  const bytes = Buffer.from(merged, 'latin1').toString('utf8')
  return removeDotSegments(bytes)
}

describe('request description: properties (fast-check)', () => {
  it('every path it accepts has a canonical form without dot segments, query or fragment', () => {
    fc.assert(
      fc.property(fc.oneof(rawPath, anyTarget), (target) => {
        const description = tryDescribe(target)
        if (description === null) return
        expect(description.path.startsWith('/')).toBe(true)
        expect(description.path.split('/')).not.toContain('..')
        expect(description.paths[0]).toBe(description.path)
        for (const reading of description.paths) expect(reading).not.toMatch(/[?#]|[\x00-\x1f]/)
      }),
      options(),
    )
  })

  it("agrees with Node's URL: the WHATWG pathname, decoded, is among the readings", () => {
    fc.assert(
      fc.property(rawPath, fc.constantFrom('', '?q=1', '?x=/public/a', '#frag'), (path, suffix) => {
        const description = tryDescribe(`${path}${suffix}`)
        if (description === null) return
        const pathname = new URL(`http://app.example.com${path}${suffix}`).pathname
        expect(description.paths).toContain(decodeURIComponent(pathname))
      }),
      options(),
    )
  })

  it("agrees with nginx's normalisation: merged, decoded and dot-resolved, it is among the readings", () => {
    fc.assert(
      fc.property(rawPath, (path) => {
        const description = tryDescribe(path)
        if (description === null) return
        const nginx = nginxReading(path)
        if (nginx !== null) expect(description.paths).toContain(nginx)
      }),
      options(),
    )
  })

  it('reads every override header spelling and query _method as a method reading', () => {
    const spelling = fc
      .tuple(
        fc.constantFrom(
          ['x', 'http', 'method', 'override'],
          ['x', 'http', 'method'],
          ['x', 'method', 'override'],
        ),
        fc.array(fc.constantFrom('-', '_', '.'), { minLength: 3, maxLength: 3 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      )
      .map(([words, separators, upper]) =>
        words
          .map(
            (word, i) =>
              `${upper[i] ? word.toUpperCase() : word}${i < words.length - 1 ? separators[i] : ''}`,
          )
          .join(''),
      )
    const method = fc.constantFrom('GET', 'DELETE', 'put', 'Patch', 'OPTIONS', 'PROPFIND')
    fc.assert(
      fc.property(spelling, method, method, (name, header, query) => {
        const description = tryDescribe(`/docs/x?_method=${query}`, 'app.example.com', [[name, header]])
        expect(description).not.toBeNull()
        expect(description!.methods).toContain(header.toUpperCase())
        expect(description!.methods).toContain(query.toUpperCase())
      }),
      options(),
    )
  })
})

describe('host validation: properties (fast-check)', () => {
  const hostChar = fc.constantFrom(
    ...'abcXYZ019-_.:[]%@/?#\\ \t~!$&\'()*+,;=<>^`{|}"'.split(''),
    '\u00e9',
    '\u00ff',
    '\u0000',
    '\u007f',
    '::',
    '::1',
    'ffff',
    '0x',
    '127.0.0.1',
    '80',
    '65536',
  )
  const anyHost = fc.array(hostChar, { maxLength: 16 }).map((chars) => chars.join(''))
  const label = fc.stringMatching(/^[a-z0-9_-]{1,12}$/)
  const plausibleHost = fc
    .tuple(
      fc.array(label, { minLength: 1, maxLength: 4 }),
      fc.boolean(),
      fc.option(fc.integer({ min: 0, max: 70000 })),
    )
    .map(([labels, dot, port]) => `${labels.join('.')}${dot ? '.' : ''}${port === null ? '' : `:${port}`}`)

  it('refuses with a 400 or accepts: never another error, whatever the bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(anyHost, fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 20 })),
        (raw) => {
          tryAuthority(raw)
        },
      ),
      options(),
    )
  })

  it("agrees with Node's URL on every host it accepts (same host, port, case and default port)", () => {
    fc.assert(
      fc.property(fc.oneof(anyHost, plausibleHost), (raw) => {
        const authority = tryAuthority(raw)
        if (authority === null) return
        const url = new URL(`http://${raw}/`)
        expect(authority.hostname).toBe(url.hostname.replace(/\.$/, ''))
        expect(authority.port).toBe(url.port === '' ? undefined : Number(url.port))
        // What it accepts has no delimiter a URL or a key could be confused by.
        expect(authority.host).not.toMatch(/[/?#@\\\s%]/)
      }),
      options(),
    )
  })

  it('is idempotent: the canonical host reads as itself', () => {
    fc.assert(
      fc.property(fc.oneof(anyHost, plausibleHost), (raw) => {
        const authority = tryAuthority(raw)
        if (authority === null) return
        expect(parseAuthority(authority.host, 'http')).toEqual(authority)
      }),
      options(),
    )
  })

  it('splits an X-Original-URL into the very authority and target it was built from', () => {
    fc.assert(
      fc.property(plausibleHost, rawPath, (host, path) => {
        if (tryAuthority(host) === null) return
        expect(splitAbsoluteUrl(`https://${host}${path}?a=b`)).toEqual({
          scheme: 'https',
          authority: host,
          target: `${path}?a=b`,
        })
      }),
      options(),
    )
  })
})
