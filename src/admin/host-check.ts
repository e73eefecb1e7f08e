import ipaddr from 'ipaddr.js'

const PORT = /^[0-9]{1,5}$/

/** `host[:port]` split strictly: a bracketed IPv6 literal or a name/IPv4 without colons. */
function hostPart(header: string): string | undefined {
  if (header.startsWith('[')) {
    const end = header.indexOf(']')
    if (end === -1) return undefined
    const rest = header.slice(end + 1)
    if (rest !== '' && !(rest.startsWith(':') && PORT.test(rest.slice(1)))) return undefined
    return header.slice(0, end + 1)
  }
  const colon = header.indexOf(':')
  if (colon === -1) return header
  return PORT.test(header.slice(colon + 1)) ? header.slice(0, colon) : undefined
}

/**
 * Which Host values the admin listener answers. IP literals and `localhost` are always served: a
 * kubelet probe or a Prometheus scrape addresses the pod IP, `kubectl port-forward` localhost, and
 * no DNS-rebinding page can make a browser send either as Host. Other names only when configured
 * (`FXA_GATE_ADMIN_HOSTS`, e.g. the Service name a scraper uses). Everything else is a request meant
 * for another server, or a rebinding attack: 421.
 */
export function compileAdminHosts(names: readonly string[]): (host: string | undefined) => boolean {
  const allowed = new Set(['localhost', ...names.map((name) => name.toLowerCase())])
  return (host) => {
    if (host === undefined) return false
    const part = hostPart(host)
    if (part === undefined || part === '') return false
    if (part.startsWith('[')) return ipaddr.IPv6.isValid(part.slice(1, -1))
    if (ipaddr.IPv4.isValidFourPartDecimal(part)) return true
    return allowed.has(part.toLowerCase())
  }
}
