import { describe, expect, it } from 'vitest'
import { type DecisionPolicy, decide } from '../../../src/decision/decide.ts'
import { compileRules, type RuleSpec } from '../../../src/decision/rules.ts'
import type { Identity } from '../../../src/identity/identity.ts'
import { describe as describeRequest } from '../../support/request-parts.ts'

const user: Identity = {
  uid: 'u1',
  email: 'ann@example.org',
  displayName: null,
  locale: null,
  avatar: null,
  subscriptions: [],
  scopes: [],
  aal: 1,
  auth: 'session',
}

function policyOf(specs: RuleSpec[], publicPaths: string[] = []): DecisionPolicy {
  return { rules: compileRules(publicPaths, specs), loginUrl: () => 'https://auth.example/_gate/start' }
}

describe('method readings against method-scoped rules', () => {
  const policy = policyOf([
    { paths: ['/docs/*'], methods: ['GET'], access: 'public' },
    { paths: ['/forms/*'], methods: ['POST'], access: 'public' },
  ])
  const at = (
    method: string,
    target: string,
    headers: [string, string][] = [],
    body: 'absent' | 'unseen' = 'absent',
  ) => decide(describeRequest({ method, host: 'app.example', target, headers, body }), null, policy).kind

  it('admits a request only when every method reading is admitted', () => {
    expect(at('GET', '/docs/a')).toBe('allow')
    expect(at('GET', '/docs/a', [['X-HTTP-Method-Override', 'DELETE']])).toBe('unauthenticated')
    expect(at('GET', '/docs/a', [['X-HTTP-Method-Override', 'GET']])).toBe('allow')
    // Methods are case-sensitive: `get` is read as itself and as GET, and only GET is admitted.
    expect(at('GET', '/docs/a', [['X-HTTP-Method-Override', 'get']])).toBe('unauthenticated')
    expect(at('GET', '/docs/a?_method=PUT')).toBe('unauthenticated')
    expect(at('POST', '/forms/a', [['Content-Type', 'text/plain']], 'unseen')).toBe('allow')
  })

  it('reads a form or JSON body it does not see as any method: no method-scoped public rule admits it', () => {
    for (const type of [
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json',
    ])
      expect(at('POST', '/forms/a', [['Content-Type', type]], 'unseen'), type).toBe('unauthenticated')
    expect(at('POST', '/forms/a', [], 'unseen')).toBe('unauthenticated')
    // A rule for every method is not affected by which method it is.
    const open = policyOf([{ paths: ['/hook'], access: 'public' }])
    const request = describeRequest({ method: 'POST', host: 'a.example', target: '/hook', body: 'unseen' })
    expect(request.anyMethod).toBe(true)
    expect(decide(request, null, open).kind).toBe('allow')
  })
})

describe('host-scoped rules when the host may be another (ingress-nginx without ?host=)', () => {
  const policy = policyOf(
    [
      { hosts: ['public.example'], access: 'public' },
      { hosts: ['admin.example'], allowedDomains: ['corp.example'] },
    ],
    ['/assets/*'],
  )
  const at = (host: string, target: string, identity: Identity | null, pinned: boolean) =>
    decide(
      describeRequest({
        host,
        target,
        hostRouting: pinned ? { kind: 'pinned', hostname: host } : { kind: 'unpinned' },
      }),
      identity,
      policy,
    )

  it('never makes a request public by a host-scoped public rule', () => {
    expect(at('public.example', '/x', null, true).kind).toBe('allow')
    expect(at('public.example', '/x', null, false).kind).toBe('unauthenticated')
  })

  it('still applies rules that do not depend on the host', () => {
    expect(at('public.example', '/assets/a.css', null, false).kind).toBe('allow')
    expect(at('other.example', '/x', user, true).kind).toBe('allow')
  })

  it("applies a host-scoped rule's requirements on any host: the host may be that one", () => {
    const decision = at('other.example', '/x', user, false)
    expect(decision).toEqual({
      kind: 'forbidden',
      unmet: { kind: 'email', email: 'ann@example.org', allowedDomains: ['corp.example'] },
      source: 'rules[1]',
      identity: user,
      url: 'https://other.example/x',
    })
    expect(at('other.example', '/x', { ...user, email: 'boss@corp.example' }, false).kind).toBe('allow')
  })

  it('refuses a description whose host is not the pinned one', () => {
    expect(() =>
      describeRequest({
        host: 'private.example',
        target: '/',
        hostRouting: { kind: 'pinned', hostname: 'public.example' },
      }),
    ).toThrow(expect.objectContaining({ code: 'HOST_MISMATCH', status: 400 }))
  })
})

describe('forbidden decisions say which requirement failed, as data', () => {
  const policy = policyOf([
    { paths: ['/premium/*'], requiredCapabilities: ['premium'] },
    { paths: ['/relay/*'], requiredScopes: ['relay'] },
    { paths: ['/secure/*'], minAal: 2 },
  ])
  const at = (target: string) => decide(describeRequest({ host: 'a.example', target }), user, policy)

  it('names capability, scope and aal with their values, and the rule', () => {
    expect(at('/premium/x')).toEqual({
      kind: 'forbidden',
      unmet: { kind: 'capability', capability: 'premium' },
      source: 'rules[0]',
      identity: user,
      url: 'https://a.example/premium/x',
    })
    expect(at('/relay/x')).toMatchObject({
      kind: 'forbidden',
      unmet: { kind: 'scope', scope: 'relay' },
      source: 'rules[1]',
    })
    expect(at('/secure/x')).toMatchObject({
      kind: 'forbidden',
      unmet: { kind: 'aal', required: 2, actual: 1 },
      source: 'rules[2]',
    })
  })
})
