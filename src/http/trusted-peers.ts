import ipaddr from 'ipaddr.js'

/**
 * Compiles the trusted-proxy CIDR list once. The result tells whether a socket's peer address
 * (never a header) is one whose X-Forwarded-* headers may be believed. Empty list: nobody.
 */
export function compileTrustedPeers(cidrs: readonly string[]): (address: string | undefined) => boolean {
  const ranges = cidrs.map((cidr) => (cidr.includes('/') ? ipaddr.parseCIDR(cidr) : hostRange(cidr)))
  if (ranges.length === 0) return () => false
  return (address) => {
    if (address === undefined || !ipaddr.isValid(address)) return false
    let parsed = ipaddr.parse(address)
    if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
      parsed = (parsed as ipaddr.IPv6).toIPv4Address()
    }
    return ranges.some(([range, bits]) => range.kind() === parsed.kind() && parsed.match(range, bits))
  }
}

function hostRange(address: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  const parsed = ipaddr.parse(address)
  return [parsed, parsed.kind() === 'ipv4' ? 32 : 128]
}
