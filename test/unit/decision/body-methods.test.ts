import { describe, expect, it } from 'vitest'
import { methodsInBody } from '../../../src/decision/body-methods.ts'
import { GateError } from '../../../src/errors.ts'

const read = (
  kind: 'urlencoded' | 'multipart' | 'json' | 'unknown',
  text: string,
  type?: string,
  complete = true,
) => methodsInBody(kind, type, Buffer.from(text, 'latin1'), complete)

const part = (headers: string, value: string, boundary = 'b') =>
  `--${boundary}\r\n${headers}\r\n\r\n${value}\r\n`
const MULTIPART = 'multipart/form-data; boundary=b'

describe('methodsInBody', () => {
  it('reads _method from a urlencoded form, in every spelling that folds to it', () => {
    expect(read('urlencoded', 'a=1&_method=DELETE')).toEqual({ methods: ['DELETE'], any: false })
    expect(read('urlencoded', '%5Fmethod=put&.method=PATCH')).toEqual({
      methods: ['put', 'PATCH'],
      any: false,
    })
    expect(read('urlencoded', 'title=x&payment_method=card')).toEqual({ methods: [], any: false })
  })

  it('takes a body cut off at the limit as naming any method, whatever its first bytes say', () => {
    for (const kind of ['urlencoded', 'multipart', 'json'] as const)
      expect(read(kind, 'title=x', MULTIPART, false)).toEqual({ methods: [], any: true })
  })

  it("reads a JSON body's top-level _method, and anything a lenient parser could read otherwise as any", () => {
    expect(read('json', '{"_method":"DELETE","a":1}')).toEqual({ methods: ['DELETE'], any: false })
    expect(read('json', '{"title":"x","payment_method":"card"}')).toEqual({ methods: [], any: false })
    expect(read('json', '[{"_method":"DELETE"}]')).toEqual({ methods: [], any: false })
    for (const text of [
      '{"_method":"POST","_method":"DELETE"}',
      '{"\\u005fmethod":"DELETE"}',
      '{"_method":["DELETE"]}',
      '{"a":{"_method":"DELETE"}}',
      '{"_method":"DELETE"',
    ])
      expect(read('json', text).any, text).toBe(true)
  })

  it('reads _method parts of a multipart body', () => {
    const body = `${part('Content-Disposition: form-data; name="title"', 'x')}${part('Content-Disposition: form-data; name="_method"', 'delete')}--b--\r\n`
    expect(read('multipart', body, MULTIPART)).toEqual({ methods: ['delete'], any: false })
    const quoted = `${part('Content-Disposition: form-data; name=_method', 'PUT', 'a b')}--a b--\r\n`
    expect(read('multipart', quoted, 'multipart/form-data; boundary="a b"')).toEqual({
      methods: ['PUT'],
      any: false,
    })
    const plain = `${part('Content-Disposition: form-data; name="payment_method"', 'card')}--b--\r\n`
    expect(read('multipart', plain, MULTIPART)).toEqual({ methods: [], any: false })
  })

  it('takes a multipart body it cannot read unambiguously as naming any method', () => {
    const cases = [
      [
        'no boundary',
        `${part('Content-Disposition: form-data; name="_method"', 'DELETE')}--b--\r\n`,
        'multipart/form-data',
      ],
      ['no closing delimiter', part('Content-Disposition: form-data; name="_method"', 'DELETE'), MULTIPART],
      [
        'name*',
        `${part("Content-Disposition: form-data; name*=utf-8''%5Fmethod", 'DELETE')}--b--\r\n`,
        MULTIPART,
      ],
      [
        'two names',
        `${part('Content-Disposition: form-data; name="_method"; name="x"', 'DELETE')}--b--\r\n`,
        MULTIPART,
      ],
      [
        'encoded name',
        `${part('Content-Disposition: form-data; name="%5Fmethod"', 'DELETE')}--b--\r\n`,
        MULTIPART,
      ],
      [
        'method elsewhere',
        `${part('Content-Disposition: form-data; name="a"; filename="_method"', 'x')}--b--\r\n`,
        MULTIPART,
      ],
      [
        'a part without headers end',
        '--b\r\nContent-Disposition: form-data; name="_method"\r\nDELETE\r\n--b--\r\n',
        MULTIPART,
      ],
    ] as const
    for (const [name, body, type] of cases) expect(read('multipart', body, type).any, name).toBe(true)
  })

  it('takes a body the application decodes otherwise (compressed, another charset) as naming any method', () => {
    // Express's body-parser inflates gzip/deflate bodies and decodes JSON in UTF-16; Spring decodes
    // forms in the request's charset. What fxa-gate reads of such bytes is not what they will say.
    const head = (text: string, encoding: BufferEncoding = 'latin1') => Buffer.from(text, encoding)
    const FORM = 'application/x-www-form-urlencoded'
    for (const encoding of ['gzip', 'deflate', 'br', 'GZIP', 'gzip, identity'])
      expect(methodsInBody('urlencoded', FORM, head('title=x'), true, encoding), encoding).toEqual({
        methods: [],
        any: true,
      })
    for (const charset of ['utf-16le', 'UTF-16', '"utf-32"', 'utf-7', 'ebcdic-cp-us'])
      expect(
        methodsInBody('json', `application/json; charset=${charset}`, head('{"a":1}', 'utf16le'), true),
        charset,
      ).toEqual({ methods: [], any: true })
    expect(
      methodsInBody('urlencoded', `${FORM}; charset=utf-8; charset=utf-16`, head('title=x'), true).any,
    ).toBe(true)
    for (const charset of ['utf-8', 'UTF-8', '"utf-8"', 'us-ascii', 'iso-8859-1'])
      expect(
        methodsInBody('urlencoded', `${FORM}; charset=${charset}`, head('a=1&_method=PUT'), true),
        charset,
      ).toEqual({
        methods: ['PUT'],
        any: false,
      })
    expect(methodsInBody('urlencoded', FORM, head('_method=PUT'), true, 'identity')).toEqual({
      methods: ['PUT'],
      any: false,
    })
  })

  it('takes a body of a type servers read in different ways as naming any method', () => {
    expect(read('unknown', '_method=POST', 'application/x-www-form-urlencoded; x=/json')).toEqual({
      methods: [],
      any: true,
    })
  })

  it('refuses a _method that is no method token', () => {
    expect(() => read('urlencoded', '_method=DE+LETE')).toThrow(GateError)
    expect(() => read('json', '{"_method":""}')).toThrow(GateError)
  })
})
