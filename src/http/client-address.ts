import ipaddr from 'ipaddr.js'

/**
 * The address a request comes from, for per-client limits: the socket peer, or, when that peer is a
 * trusted proxy, the nearest X-Forwarded-For hop that is not one. IPv6 addresses count by /64 (one
 * subscriber holds a whole /64); IPv4-mapped addresses as IPv4. Undefined when nothing usable is known.
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: (address: string | undefined) => boolean,
): string | undefined {
  let address = peer
  if (trusted(peer) && forwardedFor !== undefined) {
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',')
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!.trim()
      if (!ipaddr.isValid(hop)) break
      address = hop
      if (!trusted(hop)) break
    }
  }
  if (address === undefined || !ipaddr.isValid(address)) return undefined
  const parsed = ipaddr.process(address)
  if (parsed.kind() === 'ipv4') return parsed.toString()
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4)
  return `${parts.map((part) => part.toString(16)).join(':')}::/64`
}
