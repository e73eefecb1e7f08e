import { describe, expect, it } from 'vitest'
import { cleanResponseHead, serializeHead } from '../../../../src/proxy/forward/response-head.ts'

const policy = { ownCookies: new Set(['__Host-gate', '__Host-gate-login']) }
const buffers = (lines: string[]) => lines.map((line) => Buffer.from(line, 'latin1'))

describe('cleanResponseHead', () => {
  it('drops hop-by-hop headers in any case, from Buffers or strings alike', () => {
    const lines = [
      'Connection',
      'close',
      'KEEP-ALIVE',
      'timeout=5',
      'Transfer-Encoding',
      'chunked',
      'TE',
      'x',
      'Trailer',
      'X-T',
      'Upgrade',
      'h2c',
      'Proxy-Connection',
      'x',
      'Proxy-Authenticate',
      'Basic',
      'X-Kept',
      '1',
    ]
    expect(cleanResponseHead(lines, policy)).toEqual(['X-Kept', '1'])
    expect(cleanResponseHead(buffers(lines), policy)).toEqual(['X-Kept', '1'])
  })

  it('drops the names the upstream listed in Connection, wherever the list is', () => {
    const lines = ['X-Secret', 'a', 'Connection', ' x-secret ,, X-Other', 'x-other', 'b', 'X-App', 'c']
    expect(cleanResponseHead(lines, policy)).toEqual(['X-App', 'c'])
  })

  it("keeps a 101's Connection and Upgrade, and nothing else hop-by-hop", () => {
    const lines = [
      'Upgrade',
      'websocket',
      'Connection',
      'Upgrade',
      'Keep-Alive',
      'x',
      'Sec-WebSocket-Accept',
      'abc',
    ]
    expect(cleanResponseHead(lines, policy, 101)).toEqual([
      'Upgrade',
      'websocket',
      'Connection',
      'Upgrade',
      'Sec-WebSocket-Accept',
      'abc',
    ])
  })

  it("drops Set-Cookie lines for fxa-gate's cookie names, exactly, and keeps look-alikes", () => {
    const lines = [
      'Set-Cookie',
      '__Host-gate=x; Path=/',
      'set-cookie',
      ' __Host-gate-login =y',
      'Set-Cookie',
      '__Host-gate2=z',
      'Set-Cookie',
      '__host-gate=w',
      'Set-Cookie',
      'app=1',
      'Set-Cookie',
      'novalue',
    ]
    expect(cleanResponseHead(lines, policy)).toEqual([
      'Set-Cookie',
      '__Host-gate2=z',
      'Set-Cookie',
      '__host-gate=w',
      'Set-Cookie',
      'app=1',
      'Set-Cookie',
      'novalue',
    ])
  })

  it('keeps duplicate lines apart and in order', () => {
    expect(cleanResponseHead(['Vary', 'a', 'X', '1', 'Vary', 'b'], policy)).toEqual([
      'Vary',
      'a',
      'X',
      '1',
      'Vary',
      'b',
    ])
  })
})

describe('serializeHead', () => {
  it('writes a status line, the lines and the blank line', () => {
    expect(serializeHead(403, 'Forbidden', ['a', '1', 'b', '2'])).toBe(
      'HTTP/1.1 403 Forbidden\r\na: 1\r\nb: 2\r\n\r\n',
    )
  })

  it('refuses a line that would split the head', () => {
    expect(() => serializeHead(200, 'OK', ['a', '1\r\nx-injected: 1'])).toThrow()
    expect(() => serializeHead(200, 'OK', ['a\n', '1'])).toThrow()
  })
})
