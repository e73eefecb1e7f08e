import { describe, expect, it } from 'vitest'
import { compileTrustedPeers } from '../../../src/http/trusted-peers.ts'
import { clientFacts, truncateAddress } from '../../../src/user-sessions/client-facts.ts'
import { browserName } from '../../../src/user-sessions/user-agent.ts'

describe('what a session remembers of the browser', () => {
  const trusted = compileTrustedPeers(['10.0.0.0/8'])

  it('keeps only the network: /24 for IPv4, /48 for IPv6', () => {
    expect(truncateAddress('203.0.113.77')).toBe('203.0.113.0/24')
    expect(truncateAddress('::ffff:198.51.100.9')).toBe('198.51.100.0/24')
    expect(truncateAddress('2001:db8:abcd:12:1:2:3:4')).toBe('2001:db8:abcd::/48')
    expect(truncateAddress('not an address')).toBeUndefined()
  })

  it('believes X-Forwarded-For only from a trusted proxy, right to left', () => {
    const headers = { 'x-forwarded-for': '1.2.3.4, 198.51.100.7, 10.1.1.1' }
    expect(clientFacts(headers, '10.0.0.5', trusted).ip).toBe('198.51.100.0/24')
    expect(clientFacts(headers, '192.0.2.9', trusted).ip).toBe('192.0.2.0/24')
    expect(clientFacts({ 'x-forwarded-for': 'junk, 10.1.1.1' }, '10.0.0.5', trusted).ip).toBeUndefined()
  })

  it('keeps a printable, bounded User-Agent', () => {
    const agent = `Mozilla/5.0 \u0000\u00e9${'x'.repeat(1000)}`
    const facts = clientFacts({ 'user-agent': agent }, undefined, trusted)
    expect(facts.userAgent).toMatch(/^Mozilla\/5\.0 x+$/)
    expect(facts.userAgent!.length).toBe(256)
    expect(clientFacts({}, undefined, trusted)).toEqual({ userAgent: undefined, ip: undefined })
  })

  it('names common browsers and systems', () => {
    expect(browserName('Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0')).toEqual({
      browser: 'Firefox',
      system: 'Linux',
    })
    expect(
      browserName(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36 Edg/139.0.0.0',
      ),
    ).toEqual({ browser: 'Edge', system: 'Windows' })
    expect(
      browserName(
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/140.0.0.0 Safari/537.36',
      ),
    ).toEqual({ browser: 'Chrome', system: 'Linux' })
    expect(
      browserName(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
      ),
    ).toEqual({ browser: 'Safari', system: 'iOS' })
    expect(browserName('curl/8.0')).toBeUndefined()
  })
})
