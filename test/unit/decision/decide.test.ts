import { describe, expect, it } from 'vitest'
import { type DecisionPolicy, decide } from '../../../src/decision/decide.ts'
import { compileRequirements, compileRules } from '../../../src/decision/rules.ts'
import { GateError } from '../../../src/errors.ts'
import type { Identity } from '../../../src/identity/identity.ts'
import {
  ADMIN_TRICKS,
  PATH_TRICK_PUBLIC_PATHS,
  PATH_TRICKS,
  PUBLIC_TARGETS,
} from '../../fixtures/path-tricks.ts'
import { describe as describeRequest, describeUrl } from '../../support/request-parts.ts'

const extra = (spec: Parameters<typeof compileRequirements>[0]) => ({
  requirements: compileRequirements(spec),
  source: 'auth URL',
})

const policy: DecisionPolicy = {
  rules: compileRules(PATH_TRICK_PUBLIC_PATHS, [{ paths: ['/admin/*'], allowedDomains: ['corp.example'] }]),
  loginUrl: (request) => `https://auth.example.com/_gate/start?rd=${encodeURIComponent(request.url)}`,
}

const user = (overrides: Partial<Identity> = {}): Identity => ({
  uid: 'a1b2',
  email: 'ann@example.org',
  displayName: null,
  locale: null,
  avatar: null,
  subscriptions: [],
  scopes: ['openid', 'profile'],
  aal: 1,
  auth: 'session',
  ...overrides,
})

function decideTarget(target: string, identity: Identity | null, method = 'GET') {
  try {
    return decide(
      describeRequest({ method, scheme: 'https', host: 'app.example.com', target }),
      identity,
      policy,
    )
  } catch (error) {
    expect(error).toBeInstanceOf(GateError)
    expect((error as GateError).status).toBe(400)
    return { kind: 'bad-request' as const }
  }
}

describe('path tricks (THREATS §4)', () => {
  it('the corpus has at least 80 cases', () => expect(PATH_TRICKS.length).toBeGreaterThanOrEqual(80))

  it.each(PATH_TRICKS)('never lets %j through anonymously', (target) => {
    expect(decideTarget(target, null).kind).not.toBe('allow')
  })

  it.each(ADMIN_TRICKS)('never lets %j through for a user outside the admin domain', (target) => {
    expect(decideTarget(target, user()).kind).not.toBe('allow')
  })

  it.each(PUBLIC_TARGETS)('serves the public target %j without a login', (target) => {
    expect(decideTarget(target, null).kind).toBe('allow')
  })

  it('lets the admin domain into /admin', () => {
    expect(decideTarget('/admin/panel', user({ email: 'boss@corp.example' })).kind).toBe('allow')
    expect(decideTarget('/ADMIN/panel', user({ email: 'boss@corp.example' })).kind).toBe('allow')
  })

  it('reads a lower-case method as itself and as upper case: both must be allowed', () => {
    const rules = compileRules([], [{ paths: ['/api/*'], methods: ['GET'], access: 'public' }])
    const p = { ...policy, rules }
    const d = (method: string) =>
      decide(describeRequest({ method, scheme: 'https', host: 'a.example', target: '/api/x' }), null, p)
    expect(d('GET').kind).toBe('allow')
    expect(d('POST').kind).toBe('unauthenticated')
    expect(d('get').kind).toBe('unauthenticated')
  })
})

describe('request descriptions', () => {
  it('canonicalize hosts: case, trailing dot and default port', () => {
    for (const host of ['App.Example.COM', 'app.example.com.', 'app.example.com:443']) {
      expect(describeRequest({ method: 'GET', scheme: 'https', host, target: '/' }).host).toBe(
        'app.example.com',
      )
    }
    expect(
      describeRequest({ method: 'GET', scheme: 'http', host: 'app.example.com:8080', target: '/' }).host,
    ).toBe('app.example.com:8080')
  })

  it.each([
    'evil.test/x',
    'user@evil.test',
    'a b',
    '',
    'évil.test\u0000',
    'app.example.com:99999',
    'app.example.com#x',
  ])('refuses the host %j', (host) => {
    expect(() => describeRequest({ method: 'GET', scheme: 'https', host, target: '/' })).toThrow(GateError)
  })

  it('refuses odd schemes, methods and over-long targets', () => {
    expect(() =>
      describeRequest({ method: 'GET', scheme: 'javascript', host: 'a.example', target: '/' }),
    ).toThrow(GateError)
    expect(() =>
      describeRequest({ method: 'G ET', scheme: 'https', host: 'a.example', target: '/' }),
    ).toThrow(GateError)
    expect(() =>
      describeRequest({ method: 'GET', scheme: 'https', host: 'a.example', target: `/${'a'.repeat(9000)}` }),
    ).toThrow(GateError)
  })

  it('keeps the query for the return URL but not for matching', () => {
    const request = describeUrl('GET', 'https://app.example.com/private?x=/public/a#frag')
    expect(request.path).toBe('/private')
    expect(request.url).toBe('https://app.example.com/private?x=/public/a')
  })

  it.each(['app.example.com/x', 'ftp://app.example.com/', '//app.example.com/', 'https://', 'https:///x'])(
    'refuses X-Original-URL %j',
    (url) => {
      expect(() => describeUrl('GET', url)).toThrow(GateError)
    },
  )
})

describe('decide()', () => {
  const request = describeUrl('GET', 'https://app.example.com/page')

  it('sends an anonymous request to the login with the original URL as rd', () => {
    const decision = decide(request, null, policy)
    expect(decision).toEqual({
      kind: 'unauthenticated',
      loginUrl: `https://auth.example.com/_gate/start?rd=${encodeURIComponent('https://app.example.com/page')}`,
    })
  })

  it('allows a signed-in user with the identity', () => {
    expect(decide(request, user(), policy)).toEqual({ kind: 'allow', identity: user() })
  })

  it('applies email, domain, capability, scope and AAL requirements, all of them', () => {
    const check = (spec: Parameters<typeof compileRequirements>[0], identity: Identity) =>
      decide(request, identity, policy, extra(spec)).kind
    expect(check({ allowedEmails: ['Ann@Example.org'] }, user())).toBe('allow')
    expect(check({ allowedEmails: ['bob@example.org'] }, user())).toBe('forbidden')
    expect(check({ allowedDomains: ['example.org'] }, user())).toBe('allow')
    expect(check({ allowedDomains: ['example.org'] }, user({ email: 'x@evil-example.org' }))).toBe(
      'forbidden',
    )
    expect(check({ allowedDomains: ['example.org'] }, user({ email: null }))).toBe('forbidden')
    expect(check({ requiredCapabilities: ['relay'] }, user())).toBe('forbidden')
    expect(check({ requiredCapabilities: ['relay'] }, user({ subscriptions: ['relay', 'vpn'] }))).toBe(
      'allow',
    )
    expect(check({ requiredScopes: ['https://identity.mozilla.com/apps/relay'] }, user())).toBe('forbidden')
    expect(check({ minAal: 2 }, user())).toBe('forbidden')
    expect(check({ minAal: 2 }, user({ aal: 2 }))).toBe('allow')
  })

  it('combines rule requirements with the transport requirements (both must hold)', () => {
    const admin = describeUrl('GET', 'https://app.example.com/admin/x')
    const staff = extra({ requiredCapabilities: ['staff'] })
    expect(decide(admin, user({ email: 'a@corp.example' }), policy, staff).kind).toBe('forbidden')
    expect(
      decide(admin, user({ email: 'a@corp.example', subscriptions: ['staff'] }), policy, staff).kind,
    ).toBe('allow')
  })

  it('matches host rules case-insensitively with sub-domain wildcards at a dot boundary', () => {
    const rules = compileRules(
      [],
      [
        { hosts: ['*.open.example'], access: 'public' },
        { hosts: ['Docs.Example'], access: 'public' },
      ],
    )
    const p = { ...policy, rules }
    const at = (host: string) =>
      decide(describeRequest({ method: 'GET', scheme: 'https', host, target: '/x' }), null, p).kind
    expect(at('a.open.example')).toBe('allow')
    expect(at('A.B.OPEN.EXAMPLE.')).toBe('allow')
    expect(at('open.example')).toBe('unauthenticated')
    expect(at('evilopen.example')).toBe('unauthenticated')
    expect(at('docs.example:443')).toBe('allow')
    expect(at('docs.example.evil.test')).toBe('unauthenticated')
  })
})

describe('decide(): FxA scopes, groups and bearer tokens', () => {
  const request = describeUrl('GET', 'https://app.example.com/page')
  const check = (spec: Parameters<typeof compileRequirements>[0], identity: Identity, p = policy) =>
    decide(request, identity, p, { requirements: compileRequirements(spec), source: 'auth URL' }).kind

  it('matches required scopes by FxA hierarchy: profile satisfies profile:email, not profile:write', () => {
    expect(check({ requiredScopes: ['profile:email'] }, user({ scopes: ['profile'] }))).toBe('allow')
    expect(check({ requiredScopes: ['profile:write'] }, user({ scopes: ['profile'] }))).toBe('forbidden')
    expect(check({ requiredScopes: ['profile'] }, user({ scopes: ['profile:write'] }))).toBe('allow')
    const oldsync = 'https://identity.mozilla.com/apps/oldsync'
    expect(check({ requiredScopes: [`${oldsync}#read`] }, user({ scopes: [oldsync] }))).toBe('allow')
    expect(check({ requiredScopes: [`${oldsync}/bookmarks`] }, user({ scopes: [oldsync] }))).toBe('allow')
    expect(check({ requiredScopes: [oldsync] }, user({ scopes: [`${oldsync}#read`] }))).toBe('forbidden')
  })

  it('admits a member of any allowed group, in rules and in transport requirements', () => {
    expect(check({ allowedGroups: ['staff', 'admins'] }, user({ groups: ['admins'] }))).toBe('allow')
    expect(check({ allowedGroups: ['staff'] }, user({ groups: ['Staff'] }))).toBe('forbidden')
    expect(check({ allowedGroups: ['staff'] }, user())).toBe('forbidden')
    const rules = compileRules([], [{ paths: ['/page'], allowedGroups: ['staff'] }])
    expect(decide(request, user({ groups: ['staff'] }), { ...policy, rules }).kind).toBe('allow')
    expect(decide(request, user({ groups: ['other'] }), { ...policy, rules }).kind).toBe('forbidden')
  })

  it('refuses a bearer token where nothing names who may use it, with a 401 that says why', () => {
    const bearer = user({ auth: 'bearer', scopes: ['profile'], aal: 0 })
    let refusal: unknown
    try {
      decide(request, bearer, policy)
    } catch (error) {
      refusal = error
    }
    expect(refusal).toBeInstanceOf(GateError)
    expect((refusal as GateError).code).toBe('BEARER_NOT_ACCEPTED')
    expect((refusal as GateError).status).toBe(401)
    expect((refusal as GateError).wwwAuthenticate).toContain('error="invalid_token"')
    expect((refusal as GateError).message).toMatch(/required scope|FXA_GATE_BEARER_ALLOWED_CLIENTS/)
  })

  it('accepts a bearer token where a rule or the transport names required scopes, or clients are listed', () => {
    const bearer = user({ auth: 'bearer', scopes: ['profile'], aal: 0 })
    expect(check({ requiredScopes: ['profile:email'] }, bearer)).toBe('allow')
    const rules = compileRules([], [{ paths: ['/page'], requiredScopes: ['profile'] }])
    expect(decide(request, bearer, { ...policy, rules }).kind).toBe('allow')
    expect(decide(request, bearer, { ...policy, bearerAcceptedEverywhere: true }).kind).toBe('allow')
    // A session needs nothing named.
    expect(decide(request, user(), policy).kind).toBe('allow')
  })

  it('serves a public route to a bearer token that names no use as anonymous', () => {
    const rules = compileRules(['/page'], [])
    const bearer = user({ auth: 'bearer', scopes: ['profile'], aal: 0 })
    expect(decide(request, bearer, { ...policy, rules })).toEqual({ kind: 'allow', identity: null })
  })

  it('never guesses an AAL for a bearer token: unknown (0) fails any minAal', () => {
    const bearer = user({ auth: 'bearer', scopes: ['profile'], aal: 0 })
    expect(check({ requiredScopes: ['profile'], minAal: 1 }, bearer)).toBe('forbidden')
    expect(check({ requiredScopes: ['profile'], minAal: 2 }, { ...bearer, aal: 2 })).toBe('allow')
  })
})
