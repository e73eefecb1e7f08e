import { describe, expect, it } from 'vitest'
import { GateError } from '../../../src/errors.ts'
import {
  cleanRequestHeaders,
  compileCookieFilter,
  compileHeaderHygiene,
  foldHeaderName,
} from '../../../src/headers/hygiene.ts'
import { compileIdentityHeaders } from '../../../src/headers/identity-headers.ts'

const LEGACY = [
  'X-Forwarded-User',
  'X-Forwarded-Email',
  'X-Forwarded-Preferred-Username',
  'X-Auth-Request-*',
  'Remote-User',
  'X-Remote-User',
]
const hygiene = compileHeaderHygiene({
  identityPrefix: 'X-User-',
  legacyNames: LEGACY,
  writtenNames: compileIdentityHeaders('X-User-').names,
})
const filterCookie = compileCookieFilter(['fxa_gate', 'fxa_gate_login'])
const clean = (...lines: string[]) => cleanRequestHeaders(lines, hygiene, filterCookie)

function refusal(run: () => unknown): GateError {
  try {
    run()
  } catch (error) {
    if (error instanceof GateError) return error
    throw error
  }
  throw new Error('expected a refusal')
}

describe('header names are compared folded', () => {
  it.each([
    ['X-User-Id', 'x-user-id'],
    ['X_User_Id', 'x-user-id'],
    ['X.User.Id', 'x-user-id'],
    ['X-User_Id', 'x-user-id'],
    ['-X--USER--ID-', 'x-user-id'],
    ['x~user|id', 'x-user-id'],
    ['Content-Length', 'content-length'],
  ])('%s folds to %s', (name, folded) => {
    expect(foldHeaderName(name)).toBe(folded)
  })
})

describe('the compiled header policy', () => {
  it.each([
    'X-User-Id',
    'x-user-email',
    'X_USER_NAME',
    'X.User.Assertion',
    'X-User-Anything',
    'X-User',
    '_X_User_Id',
    'X~User~Roles',
  ])('drops %s (identity prefix, any spelling)', (name) => {
    expect(hygiene.classify(name).role).toBe('drop')
    expect(hygiene.isIdentityName(name)).toBe(true)
  })

  it.each([
    'X-Forwarded-User',
    'x_forwarded_email',
    'X-Auth-Request-User',
    'X-Auth-Request-Groups',
    'X-Auth-Request',
    'x.auth.request.access.token',
    'REMOTE_USER',
    'X.Remote.User',
  ])('drops the legacy name %s in any spelling', (name) => {
    expect(hygiene.classify(name).role).toBe('drop')
  })

  it('drops every name fxa-gate writes even when the legacy list is empty', () => {
    const bare = compileHeaderHygiene({
      identityPrefix: 'X-Gate-',
      legacyNames: [],
      writtenNames: compileIdentityHeaders('X-Gate-').names,
    })
    for (const name of ['X-Auth-Request-User', 'X_Auth_Request_Email', 'X-Gate-Id', 'x.gate.assertion'])
      expect(bare.classify(name).role, name).toBe('drop')
    expect(bare.classify('X-User-Id').role).toBe('keep')
  })

  it.each([
    'Connection',
    'Keep-Alive',
    'Proxy-Connection',
    'TE',
    'Trailer',
    'Transfer-Encoding',
    'Upgrade',
    'Expect',
    'Proxy-Authorization',
    'Sec-WebSocket-Key',
  ])('drops the hop-by-hop header %s (fxa-gate frames the upstream request itself)', (name) => {
    expect(['drop', 'connection']).toContain(hygiene.classify(name).role)
  })

  it.each([
    'X-Forwarded-For',
    'X-Forwarded-Host',
    'X_Forwarded_Proto',
    'Forwarded',
    'X-Original-URL',
    'X-Rewrite-URL',
    'X-Real-IP',
    'True-Client-IP',
    'X-Forwarded-Prefix',
  ])('drops the client-written request description %s', (name) => {
    expect(hygiene.classify(name).role).toBe('drop')
  })

  it('handles the canonical spelling of framing and credential headers, and drops look-alikes', () => {
    expect(hygiene.classify('Content-Length')).toEqual({ role: 'keep', name: 'content-length' })
    expect(hygiene.classify('Host').role).toBe('host')
    expect(hygiene.classify('AUTHORIZATION').role).toBe('authorization')
    expect(hygiene.classify('Cookie').role).toBe('cookie')
    for (const name of [
      'Content_Length',
      'Transfer_Encoding',
      'Authorization.',
      'Host_',
      'X-HTTP-Method_Override',
      'Cookie_',
    ]) {
      expect(hygiene.classify(name).role, name).toBe('drop')
    }
    expect(hygiene.classify('X-HTTP-Method-Override').role).toBe('keep')
  })

  it('keeps ordinary headers, lower-cased', () => {
    expect(hygiene.classify('Accept-Language')).toEqual({ role: 'keep', name: 'accept-language' })
    expect(hygiene.classify('X-Request-Id')).toEqual({ role: 'keep', name: 'x-request-id' })
    expect(hygiene.classify('X-Username')).toEqual({ role: 'keep', name: 'x-username' })
  })

  it('drops names of JavaScript object built-ins (no HTTP header is called that)', () => {
    for (const name of ['__proto__', 'constructor', 'Constructor'])
      expect(hygiene.classify(name).role, name).toBe('drop')
    // Lower-cased, the other built-ins (toString → tostring) no longer collide: they pass as they are.
    const cleaned = clean('__proto__', 'x', 'constructor', 'y', 'toString', 'z', 'Accept', 'a')
    expect(Object.keys(cleaned.headers)).toEqual(['tostring', 'accept'])
    expect(Object.getPrototypeOf(cleaned.headers)).toBe(Object.prototype)
  })

  it('stays bounded however many distinct names it sees', () => {
    for (let i = 0; i < 10_000; i++) expect(hygiene.classify(`X-Junk-${i}`).role).toBe('keep')
    expect(hygiene.classify('X_User_Id').role).toBe('drop')
  })
})

describe('cleaning the raw header lines', () => {
  it('refuses two Host lines and two Authorization lines, in any case', () => {
    expect(refusal(() => clean('Host', 'a', 'host', 'b')).code).toBe('BAD_REQUEST')
    expect(refusal(() => clean('Authorization', 'Basic a', 'AUTHORIZATION', 'Basic b')).detail).toBe(
      'duplicate Authorization',
    )
  })

  it('keeps repeated ordinary lines as they came, and drops every identity line', () => {
    const cleaned = clean(
      'Host',
      'app',
      'Accept',
      'a',
      'X-User-Email',
      'x@evil',
      'accept',
      'b',
      'x-user-email',
      'y@evil',
      'X_User_Email',
      'z',
    )
    expect(cleaned.host).toBe('app')
    expect({ ...cleaned.headers }).toEqual({ accept: ['a', 'b'] })
  })

  it('removes the names a client lists in Connection, but never the framing', () => {
    const cleaned = clean(
      'Connection',
      'X-Trace, content-length, cookie',
      'X-Trace',
      '1',
      'Content-Length',
      '3',
      'Cookie',
      'a=1',
      'X-Other',
      '2',
    )
    expect({ ...cleaned.headers }).toEqual({ 'content-length': '3', 'x-other': '2' })
  })

  it('never lets Connection detach what describes the body (Content-Type, Content-Encoding) from it', () => {
    // The decision read the body's type; an upstream that got the body without it would read it
    // differently (Rack takes a POST without Content-Type for a form, with its _method).
    const cleaned = clean(
      'Connection',
      'content-type, Content-Encoding, content-language',
      'Content-Type',
      'text/plain',
      'Content-Encoding',
      'gzip',
      'Content-Length',
      '3',
    )
    expect({ ...cleaned.headers }).toEqual({
      'content-type': 'text/plain',
      'content-encoding': 'gzip',
      'content-length': '3',
    })
  })

  it("filters fxa-gate's cookies out of every Cookie line and joins the rest", () => {
    const cleaned = clean('Cookie', 'a=1; fxa_gate=secret', 'Cookie', 'fxa_gate_login=x; b=2')
    expect(cleaned.headers['cookie']).toBe('a=1; b=2')
    expect(clean('Cookie', 'fxa_gate=secret').headers['cookie']).toBeUndefined()
  })

  it('hands the Authorization header over separately (the proxy decides whether it goes upstream)', () => {
    const cleaned = clean('Authorization', 'Basic YTpi')
    expect(cleaned.authorization).toBe('Basic YTpi')
    expect(cleaned.headers['authorization']).toBeUndefined()
  })
})

describe("removing fxa-gate's cookies", () => {
  it.each([
    ['fxa_gate=s; theme=dark', 'theme=dark'],
    ['theme=dark;fxa_gate=s', 'theme=dark'],
    ['__Host-fxa_gate=s; a=1', 'a=1'],
    ['__Secure-fxa_gate_login=s; a=1', 'a=1'],
    ['FXA_GATE=s; a=1', 'a=1'],
    ['  fxa_gate =s ; a=1 ;', 'a=1'],
    ['a=fxa_gate; b=2', 'a=fxa_gate; b=2'],
    ['fxa_gate_other=1', 'fxa_gate_other=1'],
    ['unrelated=1', 'unrelated=1'],
  ])('%j becomes %j', (header, kept) => {
    expect(filterCookie(header)).toBe(kept)
    expect(filterCookie(header)).toBe(kept) // from the memo the second time
  })

  it('leaves nothing when only its cookies were sent', () => {
    expect(filterCookie('fxa_gate=s; fxa_gate_login=t')).toBeUndefined()
  })
})
