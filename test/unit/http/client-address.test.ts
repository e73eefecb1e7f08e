import { describe, expect, it } from 'vitest'
import { clientAddress } from '../../../src/http/client-address.ts'
import { compileTrustedPeers } from '../../../src/http/trusted-peers.ts'

const trusted = compileTrustedPeers(['10.0.0.0/8'])
const nobody = compileTrustedPeers([])

describe('the client address per-client limits count by', () => {
  it('is the socket peer when the peer is not a trusted proxy, whatever X-Forwarded-For says', () => {
    expect(clientAddress('192.0.2.7', '198.51.100.1', nobody)).toBe('192.0.2.7')
    expect(clientAddress('192.0.2.7', '198.51.100.1', trusted)).toBe('192.0.2.7')
  })

  it('is the nearest untrusted X-Forwarded-For hop behind trusted proxies', () => {
    expect(clientAddress('10.1.1.1', '198.51.100.1, 203.0.113.5', trusted)).toBe('203.0.113.5')
    expect(clientAddress('10.1.1.1', '198.51.100.1, 203.0.113.5, 10.2.2.2', trusted)).toBe('203.0.113.5')
    expect(clientAddress('10.1.1.1', ['198.51.100.1', '10.9.9.9'], trusted)).toBe('198.51.100.1')
  })

  it('stops at a hop that is not an address (a client-written prefix), keeping the last good one', () => {
    expect(clientAddress('10.1.1.1', 'forged, 203.0.113.5', trusted)).toBe('203.0.113.5')
    expect(clientAddress('10.1.1.1', '203.0.113.5, junk', trusted)).toBe('10.1.1.1')
  })

  it('counts IPv6 clients by /64 and IPv4-mapped ones as IPv4', () => {
    expect(clientAddress('2001:db8:1:2:aaaa::1', undefined, nobody)).toBe('2001:db8:1:2::/64')
    expect(clientAddress('2001:db8:1:2:ffff::9', undefined, nobody)).toBe('2001:db8:1:2::/64')
    expect(clientAddress('::ffff:192.0.2.7', undefined, nobody)).toBe('192.0.2.7')
  })

  it('is undefined without a usable peer', () => {
    expect(clientAddress(undefined, undefined, nobody)).toBeUndefined()
    expect(clientAddress('not-an-ip', undefined, nobody)).toBeUndefined()
  })
})
