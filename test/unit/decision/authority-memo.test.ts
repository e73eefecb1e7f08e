import { describe, expect, it } from 'vitest'
import { createAuthorityParser, parseAuthority } from '../../../src/decision/authority.ts'
import { HOST_CASES, PARSER_ONLY_HOSTS } from '../../fixtures/hosts.ts'

const outcome = (read: () => unknown) => {
  try {
    return { ok: read() }
  } catch (error) {
    return { refused: (error as Error).message }
  }
}

describe('the remembering authority parser', () => {
  it('reads every host of the corpus as parseAuthority does, twice in a row, for both schemes', () => {
    const read = createAuthorityParser()
    for (const raw of [...HOST_CASES.map((test) => test.host), ...PARSER_ONLY_HOSTS]) {
      for (const scheme of ['http', 'https'] as const) {
        const expected = outcome(() => parseAuthority(raw, scheme))
        expect(
          outcome(() => read(raw, scheme)),
          raw,
        ).toEqual(expected)
        expect(
          outcome(() => read(raw, scheme)),
          `${raw} again`,
        ).toEqual(expected)
      }
    }
  })

  it('keeps the schemes apart: a default port is one scheme’s, not the other’s', () => {
    const read = createAuthorityParser()
    expect(read('app.test:443', 'https').host).toBe('app.test')
    expect(read('app.test:443', 'http').host).toBe('app.test:443')
    expect(read('app.test:80', 'http').host).toBe('app.test')
    expect(read('app.test:80', 'https').host).toBe('app.test:80')
  })

  it('never remembers a refusal, and no key of one input reaches another', () => {
    const read = createAuthorityParser()
    expect(() => read('app.test/public', 'http')).toThrow()
    expect(() => read('app.test/public', 'http')).toThrow()
    // Inputs whose concatenation with the scheme could look alike stay distinct.
    expect(read('http', 'https').host).toBe('http')
    expect(() => read('https http', 'http')).toThrow()
    expect(read('app.test', 'http').host).toBe('app.test')
  })

  it('keeps reading right past its size (it starts again when full)', () => {
    const read = createAuthorityParser()
    for (let i = 0; i < 5000; i++) expect(read(`h${i}.test`, 'http').hostname).toBe(`h${i}.test`)
    expect(read('h1.test', 'http').hostname).toBe('h1.test')
  })
})
