import { describe, expect, it } from 'vitest'
import { compileIdentityHeaders, encodeHeaderValue } from '../../../src/headers/identity-headers.ts'

describe('identity header values', () => {
  it('leave printable ASCII alone', () => {
    expect(encodeHeaderValue('ann@example.org')).toBe('ann@example.org')
    expect(encodeHeaderValue('openid profile')).toBe('openid profile')
  })

  it.each([
    'José Müller',
    'a\r\nX-User-Id: admin',
    'tab\there',
    '50% off',
    '名前',
    'nul\u0000',
    '\u2028',
    '😀',
  ])('encode %j reversibly as printable ASCII', (value) => {
    const encoded = encodeHeaderValue(value)
    expect(encoded).toMatch(/^[\x20-\x7e]*$/)
    expect(encoded).not.toMatch(/[\r\n]/)
    expect(decodeURIComponent(encoded)).toBe(value)
  })

  it('derive names from the configured prefix', () => {
    const headers = compileIdentityHeaders('X-Auth-')
    expect(headers.names).toContain('x-auth-id')
    const values = headers.headersFor({
      uid: 'u1',
      email: 'a@b.c',
      displayName: 'Ann',
      locale: 'fr',
      avatar: null,
      subscriptions: ['a', 'b'],
      scopes: ['openid', 'profile'],
      aal: 1,
      auth: 'session',
    })
    expect(values).toMatchObject({
      'x-auth-id': 'u1',
      'x-auth-email': 'a@b.c',
      'x-auth-name': 'Ann',
      'x-auth-locale': 'fr',
      'x-auth-subscriptions': 'a,b',
      'x-auth-scopes': 'openid profile',
      'x-auth-auth': 'session',
      'x-auth-request-user': 'u1',
      'x-auth-request-email': 'a@b.c',
    })
    expect(headers.headersFor(null)).toEqual({})
  })

  it('say Metrics-Enabled true or false as FxA does, and nothing when unknown', () => {
    const headers = compileIdentityHeaders('X-User-')
    const base = {
      uid: 'u1',
      email: null,
      displayName: null,
      locale: null,
      avatar: null,
      subscriptions: [],
      scopes: [],
      aal: 1,
      auth: 'session' as const,
    }
    expect(headers.names).toEqual(expect.arrayContaining(['x-user-metrics-enabled', 'x-user-groups']))
    expect(headers.headersFor({ ...base, metricsEnabled: false })['x-user-metrics-enabled']).toBe('false')
    expect(headers.headersFor({ ...base, metricsEnabled: true })['x-user-metrics-enabled']).toBe('true')
    expect(headers.headersFor(base)).not.toHaveProperty('x-user-metrics-enabled')
  })

  it('list groups comma-separated, with commas inside a group encoded', () => {
    const headers = compileIdentityHeaders('X-User-')
    const value = headers.headersFor({
      uid: 'u1',
      email: null,
      displayName: null,
      locale: null,
      avatar: null,
      subscriptions: [],
      scopes: [],
      aal: 1,
      auth: 'session',
      groups: ['staff', 'a,b', 'Équipe'],
    })['x-user-groups']
    expect(value).toBe('staff,a%2Cb,%C3%89quipe')
    expect(value?.split(',').map(decodeURIComponent)).toEqual(['staff', 'a,b', 'Équipe'])
  })
})
