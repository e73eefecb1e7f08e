import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { grantCovers } from '../../../dev/fake-fxa/scopes.ts'
import { isFxaScope, scopeImplicants, scopesContain } from '../../../src/identity/scopes.ts'
import { fuzzRuns, fuzzSeed } from '../../support/fuzz.ts'

const split = (scopes: string) => scopes.split(' ').filter(Boolean)
const OLDSYNC = 'https://identity.mozilla.com/apps/oldsync'

// The tables of FxA's own ScopeSet tests (fxa-shared test/oauth/scopes.js), [granted, required].
const IMPLIES: Array<[string, string]> = [
  ['profile:write', 'profile'],
  ['profile', 'profile:email'],
  ['profile:write', 'profile:email'],
  ['profile:write', 'profile:email:write'],
  ['profile:email:write', 'profile:email'],
  ['profile profile:email:write', 'profile:email'],
  ['profile profile:email:write', 'profile:display_name'],
  [`profile ${OLDSYNC}`, 'profile'],
  ['foo bar:baz', 'foo:dee'],
  ['foo bar:baz', 'bar:baz'],
  ['foo bar:baz', 'foo:mah:pa bar:baz:quux'],
  [`profile ${OLDSYNC}`, OLDSYNC],
  [OLDSYNC, `${OLDSYNC}#read`],
  [OLDSYNC, `${OLDSYNC}/bookmarks`],
  [OLDSYNC, `${OLDSYNC}/bookmarks#read`],
  [`${OLDSYNC}#read`, `${OLDSYNC}/bookmarks#read`],
  [`${OLDSYNC}#read profile`, `${OLDSYNC}/bookmarks#read`],
]

const DOES_NOT_IMPLY: Array<[string, string]> = [
  ['profile:email:write', 'profile'],
  ['profile:email:write', 'profile:write'],
  ['profile:email', 'profile:display_name'],
  ['profilebogey', 'profile'],
  ['foo bar:baz', 'bar'],
  ['profile:write', OLDSYNC],
  ['profile profile:email:write', 'profile:write'],
  ['https', OLDSYNC],
  [OLDSYNC, 'profile'],
  [`${OLDSYNC}#read`, 'https://identity.mozila.com/apps/oldsync/bookmarks'],
  [`${OLDSYNC}#write`, 'https://identity.mozila.com/apps/oldsync/bookmarks#read'],
  [`${OLDSYNC}/bookmarks`, 'https://identity.mozila.com/apps/oldsync'],
  [`${OLDSYNC}/bookmarks`, 'https://identity.mozila.com/apps/oldsync/passwords'],
  ['https://identity.mozilla.com/apps/oldsyncer', 'https://identity.mozila.com/apps/oldsync'],
  [OLDSYNC, 'https://identity.mozila.com/apps/oldsyncer'],
  ['https://identity.mozilla.org/apps/oldsync', 'https://identity.mozila.com/apps/oldsync'],
  // From FxA's OAuth reference, with the domain spelled right, and this project's cases.
  [`${OLDSYNC}#read`, `${OLDSYNC}/bookmarks`],
  [`${OLDSYNC}#write`, `${OLDSYNC}/bookmarks#read`],
  [`${OLDSYNC}/bookmarks`, OLDSYNC],
  ['profile', 'profile:write'],
  ['profile:email', 'profile:email:write'],
  [`${OLDSYNC}#read`, OLDSYNC],
  ['https://identity.mozilla.com/apps', 'https://identity.mozilla.com.evil.test/apps/oldsync'],
  ['https://identity.mozilla.com/apps', 'https://identity.mozilla.com/appsx'],
]

const INVALID = [
  'profile:email!:write',
  ':',
  '::',
  ':profile',
  'profile::email',
  'profile\0:email',
  'http://identity.mozilla.com/apps/oldsync',
  'file:///etc/passwd',
  'https://identity.mozilla.com/apps/oldsync/../notes',
  'https://identity.mozilla.com/apps/oldsync/',
  'https://identity.mozilla.com/apps/oldsync/#write',
  'http://identity.mozilla.com/apps/oldsync#read!',
  'http://identity.mozilla.com/apps/oldsync#read+write',
  'http://identity.mozilla.com/apps/oldsync#read:write',
  'http://identity.mozilla.com/apps/old:sync',
  'write',
  'https://Identity.mozilla.com/apps/oldsync',
  'https://user@identity.mozilla.com/apps/oldsync',
  'https://identity.mozilla.com/apps/oldsync?x=1',
  `profile${':x'.repeat(40)}`,
]

describe('FxA hierarchical scopes (the table of FxA ScopeSet tests)', () => {
  it.each(IMPLIES)('"%s" contains "%s"', (granted, required) => {
    expect(scopesContain(split(granted), split(required))).toBe(true)
  })

  it.each(DOES_NOT_IMPLY)('"%s" does not contain "%s"', (granted, required) => {
    expect(scopesContain(split(granted), split(required))).toBe(false)
  })

  it.each(INVALID)('"%s" is not an FxA scope, and implies only itself', (value) => {
    expect(isFxaScope(value)).toBe(false)
    expect(scopeImplicants(value)).toEqual([value])
    expect(scopesContain([value], [value])).toBe(true)
  })

  it.each([
    ['profile', ['profile:write', 'profile']],
    ['profile:write', ['profile:write']],
    ['profile:email:write', ['profile:email:write', 'profile:write']],
    ['profile:amr', ['profile:amr:write', 'profile:amr', 'profile:write', 'profile']],
    [
      'https://identity.mozilla.com/apps/oldsync/bookmarks#read',
      [
        'https://identity.mozilla.com/apps/oldsync/bookmarks',
        'https://identity.mozilla.com/apps/oldsync/bookmarks#read',
        'https://identity.mozilla.com/apps/oldsync',
        'https://identity.mozilla.com/apps/oldsync#read',
        'https://identity.mozilla.com/apps',
        'https://identity.mozilla.com/apps#read',
      ],
    ],
  ])('"%s" has exactly the implicants FxA computes', (scope, implicants) => {
    expect([...scopeImplicants(scope)].sort()).toEqual([...implicants].sort())
  })

  it('treats an empty requirement as met and an empty grant as meeting nothing', () => {
    expect(scopesContain([], [])).toBe(true)
    expect(scopesContain([], ['profile'])).toBe(false)
  })

  it("agrees with the fake FxA's independent implementation (FxA's step-by-step algorithm) on generated scopes", () => {
    const name = fc.constantFrom('profile', 'email', 'write', 'display_name', 'foo', 'uid')
    const short = fc.array(name, { minLength: 1, maxLength: 4 }).map((names) => names.join(':'))
    const url = fc
      .tuple(
        fc.constantFrom(
          'https://identity.mozilla.com',
          'https://identity.mozilla.org',
          'https://a.test:8443',
        ),
        fc.array(fc.constantFrom('apps', 'oldsync', 'bookmarks', 'relay'), { minLength: 1, maxLength: 3 }),
        fc.constantFrom('', '#read', '#write'),
      )
      .map(([origin, path, fragment]) => `${origin}/${path.join('/')}${fragment}`)
    const scope = fc.oneof(
      short,
      url,
      fc.constantFrom('openid', ':', 'profile::x', 'https', 'http://x.test/a'),
    )
    fc.assert(
      fc.property(fc.array(scope, { maxLength: 4 }), scope, (granted, required) => {
        expect(scopesContain(granted, [required])).toBe(grantCovers(granted, required))
      }),
      { numRuns: fuzzRuns(), seed: fuzzSeed() },
    )
  })
})
