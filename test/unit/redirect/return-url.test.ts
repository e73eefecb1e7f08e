import { describe, expect, it } from 'vitest'
import {
  checkReturnUrl,
  compileReturnUrlPolicy,
  type ReturnUrlRefusal,
  resolveReturnUrl,
  returnUrlPolicyProblems,
} from '../../../src/redirect/return-url.ts'
import {
  FIXTURE_BROWSER_BASE,
  FIXTURE_POLICY_OPTIONS,
  HOSTILE_RETURN_URLS,
  HOSTILE_RETURN_URLS_BY_CLASS,
  LEGITIMATE_RETURN_URLS,
} from '../../fixtures/return-urls.ts'

const policy = compileReturnUrlPolicy(FIXTURE_POLICY_OPTIONS)

/**
 * The oracle, written without the module's code: where a browser lands when it follows
 * `Location: <output>` from a page of fxa-gate, and whether that host is allowed by the fixture policy.
 */
function browserLandsOnAllowedHost(output: string): boolean {
  const url = new URL(output, FIXTURE_BROWSER_BASE)
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false
  const host = url.hostname.replace(/\.$/, '')
  const port = url.port || (url.protocol === 'https:' ? '443' : '80')
  if (url.protocol === 'https:' && host === 'auth.example.com' && port === '443') return true
  if (host === 'app.example.com') return true
  if (host === 'api.example.com' && port === '8443') return true
  return host.endsWith('.apps.example.com')
}

function isSafeLocationValue(output: string): boolean {
  return /^[\x21-\x7e]+$/.test(output) && output.length <= 8192
}

/** Values that would make an unreadable failure report (100 KB strings) are shortened for display. */
function shown(value: string): string {
  const json = JSON.stringify(value)
  return json.length > 100 ? `${json.slice(0, 100)}… (${value.length} chars)` : json
}

describe('the hostile corpus', () => {
  it('holds at least 150 values, at least 10 in every class of THREATS.md §1', () => {
    expect(HOSTILE_RETURN_URLS.length).toBeGreaterThanOrEqual(150)
    for (const [name, values] of Object.entries(HOSTILE_RETURN_URLS_BY_CLASS)) {
      expect(values.length, name).toBeGreaterThanOrEqual(10)
    }
  })

  describe.each(Object.entries(HOSTILE_RETURN_URLS_BY_CLASS))('%s', (_, values) => {
    it('refuses every value', () => {
      const accepted = values.filter((value) => checkReturnUrl(policy, value).ok).map(shown)
      expect(accepted).toEqual([])
    })

    it('resolves every value to the default redirect', () => {
      const notDefault = values.filter((value) => resolveReturnUrl(policy, value) !== '/').map(shown)
      expect(notDefault).toEqual([])
    })
  })
})

describe('legitimate return URLs', () => {
  it.each(LEGITIMATE_RETURN_URLS.map(([input, expected]) => [shown(input), input, expected]))(
    'accepts %s',
    (_, input, expected) => {
      expect(checkReturnUrl(policy, input)).toEqual({ ok: true, url: expected })
      expect(resolveReturnUrl(policy, input)).toBe(expected)
    },
  )

  it('accepts its own output again, unchanged', () => {
    for (const [, expected] of LEGITIMATE_RETURN_URLS) {
      expect(checkReturnUrl(policy, expected)).toEqual({ ok: true, url: expected })
    }
  })
})

describe('no value yields a redirect off the allow-list', () => {
  const everyValue = [...HOSTILE_RETURN_URLS, ...LEGITIMATE_RETURN_URLS.map(([input]) => input)]

  it('sends the browser only to the public origin or an allowed host, with a header-safe value', () => {
    const offList = everyValue
      .map((value) => resolveReturnUrl(policy, value))
      .filter((output) => !isSafeLocationValue(output) || !browserLandsOnAllowedHost(output))
    expect(offList).toEqual([])
  })
})

/** mulberry32: a tiny seeded PRNG, so a failing fuzz case reproduces from its seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const HOSTILE_ALPHABET = [
  ...'/\\.:@#?%0123456789abcdefghijklmnopqrstuvwxyz',
  '\t',
  '\r',
  '\n',
  '\uff0f', // full-width solidus
  '\uff3c', // full-width reverse solidus
  '\uff0e', // full-width full stop
  '\uff1a', // full-width colon
  '\u3031', // vertical kana repeat mark
  '\u2215', // division slash
  'ｅｖｉｌ',
  'evil.test',
  'app.example.com',
  'x.apps.example.com',
  'auth.example.com',
  'https:',
  'http://',
  'https://',
  '//',
  '/..',
  '%2f',
  '%5c',
  '%09',
  '%25',
  '%2e',
  ':8443',
]

describe('fuzzing with a hostile alphabet', () => {
  const SEED = 0x5eed_f0a
  const CASES = 5000

  it(`never yields a redirect off the allow-list (seed ${SEED}, ${CASES} cases)`, () => {
    const random = seededRandom(SEED)
    const pick = () => HOSTILE_ALPHABET[Math.floor(random() * HOSTILE_ALPHABET.length)]!
    const failures: string[] = []
    for (let i = 0; i < CASES; i++) {
      // Half the cases start like an accepted form, so the fuzzer also reaches the deeper rules.
      const start = random() < 0.5 ? ['/', 'https://', 'https://app.example.com', '/a/'][i % 4]! : ''
      let value = start
      const length = 1 + Math.floor(random() * 12)
      for (let j = 0; j < length; j++) value += pick()
      const check = checkReturnUrl(policy, value)
      const output = resolveReturnUrl(policy, value)
      const idempotent = !check.ok || checkReturnUrl(policy, check.url).ok
      if (!isSafeLocationValue(output) || !browserLandsOnAllowedHost(output) || !idempotent) {
        failures.push(`case ${i}: ${shown(value)} → ${shown(output)}`)
      }
    }
    expect(failures).toEqual([])
  })
})

describe('refusal reasons', () => {
  it.each<[string | undefined | null, ReturnUrlRefusal]>([
    [undefined, 'missing'],
    [null, 'missing'],
    ['', 'missing'],
    [`/${'a'.repeat(8192)}`, 'too-long'],
    ['/\t/evil.test', 'not-printable-ascii'],
    ['/\\evil.test', 'backslash'],
    ['/%zz', 'malformed-percent'],
    ['/%09/evil.test', 'encoded-control-or-backslash'],
    ['//evil.test', 'scheme-relative'],
    ['/%2F%2Fevil.test', 'scheme-relative'],
    ['/a/..//evil.test', 'scheme-relative'],
    ['/%20/evil.test', 'path-not-printable-ascii'],
    ['javascript:alert(1)', 'not-a-path-or-http-url'],
    ['https:evil.test', 'not-a-path-or-http-url'],
    ['https://app.example.com@evil.test', 'userinfo'],
    ['https://api.example.com:08443/', 'bad-authority'],
    ['https://evil.test/', 'host-not-allowed'],
    ['https://example.com/', 'host-not-allowed'],
  ])('refuses %j as %s', (input, reason) => {
    expect(checkReturnUrl(policy, input)).toEqual({ ok: false, reason })
  })

  it('refuses a value that is not a string (a repeated query parameter arrives as an array)', () => {
    const repeated = ['/a', '//evil.test'] as unknown as string
    expect(checkReturnUrl(policy, repeated)).toEqual({ ok: false, reason: 'missing' })
  })

  it('refuses a path that percent-decodes to a space or non-ASCII, even harmless ones', () => {
    expect(resolveReturnUrl(policy, '/My%20Documents')).toBe('/')
    expect(resolveReturnUrl(policy, '/wiki/Caf%C3%A9')).toBe('/')
  })

  it('accepts exactly 8 KiB and refuses one byte more', () => {
    expect(checkReturnUrl(policy, `/${'a'.repeat(8191)}`).ok).toBe(true)
    expect(checkReturnUrl(policy, `/${'a'.repeat(8192)}`).ok).toBe(false)
  })

  it('refuses a value that grows past 8 KiB once normalized', () => {
    expect(checkReturnUrl(policy, `/${'"'.repeat(3000)}`)).toEqual({ ok: false, reason: 'too-long' })
  })
})

describe('compileReturnUrlPolicy', () => {
  it('returns a frozen policy', () => {
    expect(Object.isFrozen(policy)).toBe(true)
    expect(Object.isFrozen(policy.allowedHosts)).toBe(true)
  })

  it('always allows its own origin, with its own port, even with an empty allow-list', () => {
    const local = compileReturnUrlPolicy({
      publicUrl: 'http://127.0.0.1:4180',
      allowedHosts: [],
      defaultRedirect: '/',
    })
    expect(resolveReturnUrl(local, 'http://127.0.0.1:4180/x')).toBe('http://127.0.0.1:4180/x')
    expect(resolveReturnUrl(local, '/x')).toBe('/x')
    expect(resolveReturnUrl(local, 'http://127.0.0.1:4181/x')).toBe('/')
    expect(resolveReturnUrl(local, 'http://127.0.0.1/x')).toBe('/')
    expect(resolveReturnUrl(local, 'http://localhost:4180/x')).toBe('/')
  })

  it('matches a host entry on any port and a host:port entry on that port only', () => {
    const ports = compileReturnUrlPolicy({
      publicUrl: 'https://auth.example.com',
      allowedHosts: ['any.example.com', 'one.example.com:443', '*.sub.example.com:8443'],
      defaultRedirect: '/',
    })
    expect(checkReturnUrl(ports, 'https://any.example.com:1/').ok).toBe(true)
    expect(checkReturnUrl(ports, 'https://one.example.com/').ok).toBe(true)
    expect(checkReturnUrl(ports, 'http://one.example.com:443/').ok).toBe(true)
    expect(checkReturnUrl(ports, 'http://one.example.com/').ok).toBe(false)
    expect(checkReturnUrl(ports, 'https://a.sub.example.com:8443/').ok).toBe(true)
    expect(checkReturnUrl(ports, 'https://a.sub.example.com/').ok).toBe(false)
  })

  it('compares an internationalized entry in punycode, as the URL parser gives it', () => {
    const idn = compileReturnUrlPolicy({
      publicUrl: 'https://auth.example.com',
      allowedHosts: ['bücher.example', '*.Straße.example'],
      defaultRedirect: '/',
    })
    expect(resolveReturnUrl(idn, 'https://xn--bcher-kva.example/')).toBe('https://xn--bcher-kva.example/')
    expect(resolveReturnUrl(idn, 'https://a.xn--strae-oqa.example/')).toBe('https://a.xn--strae-oqa.example/')
  })

  it.each([
    'https://app.example.com',
    'app.example.com/path',
    'user@app.example.com',
    'a.*.example.com',
    '*',
    '*.com',
    '*.127.0.0.1',
    '*.[::1]',
    'app.example.com:0',
    'app.example.com:70000',
    'app..example.com',
    '',
    ' app.example.com',
  ])('refuses the allow-list entry %j at start-up', (entry) => {
    expect(() =>
      compileReturnUrlPolicy({
        publicUrl: 'https://auth.example.com',
        allowedHosts: [entry],
        defaultRedirect: '/',
      }),
    ).toThrow(TypeError)
  })

  it('reports every bad allow-list entry at once', () => {
    expect(() =>
      compileReturnUrlPolicy({
        publicUrl: 'https://auth.example.com',
        allowedHosts: ['*.com', 'a/b'],
        defaultRedirect: '/',
      }),
    ).toThrow(/"\*\.com".*"a\/b"/)
  })

  it.each(['//evil.test', 'https://app.example.com/', '/%2F%2Fevil.test', '', 'dashboard'])(
    'refuses the unsafe default redirect %j at start-up',
    (defaultRedirect) => {
      expect(() => compileReturnUrlPolicy({ ...FIXTURE_POLICY_OPTIONS, defaultRedirect })).toThrow(TypeError)
    },
  )

  it('refuses a public URL that is not http(s)', () => {
    expect(() =>
      compileReturnUrlPolicy({ ...FIXTURE_POLICY_OPTIONS, publicUrl: 'ftp://auth.example.com' }),
    ).toThrow(TypeError)
  })

  it('lists the same problems for the configuration loader without throwing', () => {
    const problems = returnUrlPolicyProblems({
      publicUrl: 'https://auth.example.com',
      allowedHosts: ['*.com', 'app.example.com'],
      defaultRedirect: '//evil.test',
    })
    expect(problems).toHaveLength(2)
    expect(returnUrlPolicyProblems(FIXTURE_POLICY_OPTIONS)).toEqual([])
  })

  it('normalizes the default redirect once', () => {
    const normalized = compileReturnUrlPolicy({ ...FIXTURE_POLICY_OPTIONS, defaultRedirect: '/a/../home' })
    expect(resolveReturnUrl(normalized, '//evil.test')).toBe('/home')
  })
})
