import { describe, expect, it } from 'vitest'
import {
  cleanRequestHeaders,
  compileCookieFilter,
  compileHeaderHygiene,
} from '../../../src/headers/hygiene.ts'
import { compileIdentityHeaders } from '../../../src/headers/identity-headers.ts'
import type { Identity } from '../../../src/identity/identity.ts'
import { translateUpstreamError } from '../../../src/proxy/upstream-errors.ts'
import { upstreamHeaders } from '../../../src/proxy/upstream-headers.ts'

const identityHeaders = compileIdentityHeaders('X-User-')
const hygiene = compileHeaderHygiene({
  identityPrefix: 'X-User-',
  legacyNames: [],
  writtenNames: identityHeaders.names,
})
const ann: Identity = {
  uid: 'u1',
  email: 'ann@example.org',
  displayName: 'Ann',
  locale: null,
  avatar: null,
  subscriptions: [],
  scopes: ['openid'],
  aal: 1,
  auth: 'session',
}
const facts = {
  host: 'app.example.org',
  scheme: 'https' as const,
  peer: '10.0.0.7',
  trustedForwardedFor: undefined,
}

function build(
  rawHeaders: string[],
  options: { authorization?: boolean; trustedForwardedFor?: string } = {},
) {
  const cleaned = cleanRequestHeaders(rawHeaders, hygiene, compileCookieFilter(['fxa_gate']))
  return upstreamHeaders(
    cleaned,
    { ...facts, trustedForwardedFor: options.trustedForwardedFor },
    identityHeaders.headersFor(ann),
    {
      authorization: options.authorization ?? true,
      assertion: { name: identityHeaders.assertion, token: 'eyJ.token.sig' },
    },
  )
}

describe('the upstream request headers', () => {
  it("write fxa-gate's identity and forwarding headers after the client's cleaned ones", () => {
    const headers = build(['Host', 'app.example.org', 'X-User-Id', 'forged', 'Accept', '*/*'])
    expect(headers).toMatchObject({
      accept: '*/*',
      host: 'app.example.org',
      'x-forwarded-for': '10.0.0.7',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'app.example.org',
      'x-user-id': 'u1',
      'x-user-email': 'ann@example.org',
      'x-user-assertion': 'eyJ.token.sig',
    })
  })

  it('keep what fxa-gate writes even when the client lists those names in Connection', () => {
    const headers = build([
      'Connection',
      'X-User-Id, X-User-Assertion, X-Forwarded-For',
      'X-User-Id',
      'forged',
    ])
    expect(headers['x-user-id']).toBe('u1')
    expect(headers['x-user-assertion']).toBe('eyJ.token.sig')
    expect(headers['x-forwarded-for']).toBe('10.0.0.7')
    expect(headers['connection']).toBeUndefined()
  })

  it("append the peer to a trusted proxy's X-Forwarded-For chain", () => {
    expect(build([], { trustedForwardedFor: '203.0.113.1, 198.51.100.2' })['x-forwarded-for']).toBe(
      '203.0.113.1, 198.51.100.2, 10.0.0.7',
    )
  })

  it('carry Authorization only when the proxy says so', () => {
    expect(build(['Authorization', 'Basic YTpi'])['authorization']).toBe('Basic YTpi')
    expect(build(['Authorization', 'Basic YTpi'], { authorization: false })['authorization']).toBeUndefined()
  })
})

describe('upstream failures', () => {
  const withCode = (code: string, cause?: string) =>
    Object.assign(new Error('x'), {
      code,
      cause: cause ? Object.assign(new Error('y'), { code: cause }) : undefined,
    })

  it.each([
    [withCode('FST_REPLY_FROM_GATEWAY_TIMEOUT'), 'timeout', 'UPSTREAM_TIMEOUT', 504],
    [withCode('UND_ERR_CONNECT_TIMEOUT'), 'timeout', 'UPSTREAM_TIMEOUT', 504],
    [
      withCode('FST_REPLY_FROM_INTERNAL_SERVER_ERROR', 'ECONNREFUSED'),
      'refused',
      'UPSTREAM_UNAVAILABLE',
      502,
    ],
    [withCode('ECONNRESET'), 'reset', 'UPSTREAM_UNAVAILABLE', 502],
    [withCode('UND_ERR_SOCKET'), 'reset', 'UPSTREAM_UNAVAILABLE', 502],
    [new Error('something else'), 'other', 'UPSTREAM_UNAVAILABLE', 502],
    [null, 'other', 'UPSTREAM_UNAVAILABLE', 502],
  ])('%s is a %s (%s, %i)', (error, reason, code, status) => {
    const failure = translateUpstreamError(error)
    expect(failure.reason).toBe(reason)
    expect(failure.error.code).toBe(code)
    expect(failure.error.status).toBe(status)
  })
})
