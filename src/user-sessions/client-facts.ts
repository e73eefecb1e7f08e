import type { IncomingHttpHeaders } from 'node:http'
import ipaddr from 'ipaddr.js'

/** What a session remembers of the browser that signed in, for the user's own list of sessions. */
export interface ClientFacts {
  /** The User-Agent, printable ASCII, at most 256 characters. */
  readonly userAgent?: string | undefined
  /** The client's network, never its full address: `203.0.113.0/24`, `2001:db8:1::/48`. */
  readonly ip?: string | undefined
}

/** The longest User-Agent a session keeps (session/record.ts checks stored records against it). */
export const MAX_USER_AGENT = 256
const MAX_FORWARDED_HOPS = 32

/**
 * The facts of a login request. The address is the socket's peer, or, when that peer is a trusted
 * proxy, the right-most X-Forwarded-For entry that is not one (entries to its left are the
 * client's own say). It is truncated at once: a list of sessions needs the network, not the host.
 */
export function clientFacts(
  headers: IncomingHttpHeaders,
  peer: string | undefined,
  trustedPeer: (address: string | undefined) => boolean,
): ClientFacts {
  const agent = headers['user-agent']
  const userAgent =
    typeof agent === 'string' && agent.length > 0
      ? agent.replace(/[^\x20-\x7e]/g, '').slice(0, MAX_USER_AGENT) || undefined
      : undefined
  const address = clientAddress(headers['x-forwarded-for'], peer, trustedPeer)
  return { userAgent, ip: address === undefined ? undefined : truncateAddress(address) }
}

function clientAddress(
  forwardedFor: string | string[] | undefined,
  peer: string | undefined,
  trustedPeer: (address: string | undefined) => boolean,
): string | undefined {
  if (!trustedPeer(peer) || forwardedFor === undefined) return peer
  const hops = [forwardedFor]
    .flat()
    .join(',')
    .split(',')
    .map((hop) => hop.trim())
    .slice(-MAX_FORWARDED_HOPS)
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!
    if (!ipaddr.isValid(hop)) return undefined
    if (!trustedPeer(hop)) return hop
  }
  return peer
}

/** An address as its /24 (IPv4) or /48 (IPv6) network; IPv4-mapped IPv6 counts as IPv4. */
export function truncateAddress(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return undefined
  let parsed = ipaddr.parse(address)
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    parsed = (parsed as ipaddr.IPv6).toIPv4Address()
  if (parsed.kind() === 'ipv4') {
    const [a, b, c] = (parsed as ipaddr.IPv4).octets
    return `${a}.${b}.${c}.0/24`
  }
  const parts = (parsed as ipaddr.IPv6).parts
  const network = new ipaddr.IPv6([parts[0]!, parts[1]!, parts[2]!, 0, 0, 0, 0, 0])
  return `${network.toString()}/48`
}
