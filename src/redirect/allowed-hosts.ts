/**
 * The allow-list of return-URL hosts, compiled once at start-up. An entry is `host` (any port),
 * `host:port` (that port only) or `*.domain` / `*.domain:port` (strict sub-domains at a dot
 * boundary; never `domain` itself). Hosts are compared after WHATWG URL parsing: lower-case,
 * IDNA punycode, IPv4 in dotted form, one trailing dot removed.
 */

/** Where a URL actually points: scheme, canonical host name and effective port (default filled in). */
export interface Endpoint {
  readonly protocol: 'http:' | 'https:'
  readonly hostname: string
  readonly port: number
}

export interface AllowedHost {
  /** Canonical host name; for a wildcard entry, the domain its sub-domains are under. */
  readonly hostname: string
  /** A `*.` entry: matches strict sub-domains of `hostname` only. */
  readonly subdomains: boolean
  /** undefined: any port. */
  readonly port: number | undefined
}

/** Canonical host names: DNS labels (underscore tolerated), dotted IPv4, or a bracketed IPv6. */
const CANONICAL_HOSTNAME = /^(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])$/

/** An entry as written: optional `*.`, a host (no URL delimiters), optional `:port`. */
const ENTRY = /^(\*\.)?(\[[0-9A-Fa-f:.]+\]|[^\s:/\\@?#[\]*%]+)(?::([0-9]{1,5}))?$/

const DEFAULT_PORTS = { 'http:': 80, 'https:': 443 } as const

/**
 * The endpoint of an http(s) URL, or undefined when its host is not in canonical form (empty
 * labels such as `a..b`, two trailing dots). The trailing dot is dropped because `host.` and
 * `host` are the same DNS name and must not slip past, or be refused by, an exact comparison.
 */
export function endpointOf(url: URL): Endpoint | undefined {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  const hostname = url.hostname.endsWith('.') ? url.hostname.slice(0, -1) : url.hostname
  if (!CANONICAL_HOSTNAME.test(hostname)) return undefined
  const port = url.port === '' ? DEFAULT_PORTS[url.protocol] : Number(url.port)
  return { protocol: url.protocol, hostname, port }
}

function isIpLiteral(hostname: string): boolean {
  return hostname.startsWith('[') || /^[0-9]+(?:\.[0-9]+){3}$/.test(hostname)
}

/** Compiles one allow-list entry, or says what is wrong with it. */
export function parseAllowedHost(entry: string): AllowedHost | string {
  const match = ENTRY.exec(entry)
  if (!match) return 'expected host, host:port or *.domain (no scheme, path, userinfo or inner wildcard)'
  const [, wildcard, host = '', portText] = match
  let parsed: URL
  try {
    // The same parser as the return URLs themselves, so both sides are canonicalized alike (IDNA, case, IPv4).
    parsed = new URL(`http://${host}/`)
  } catch {
    return 'not a valid host name'
  }
  const endpoint = endpointOf(parsed)
  if (!endpoint) return 'not a valid host name'
  const port = portText === undefined ? undefined : Number(portText)
  if (port !== undefined && (port < 1 || port > 65535)) return 'port out of range'
  const subdomains = wildcard !== undefined
  if (subdomains && isIpLiteral(endpoint.hostname)) return 'a wildcard needs a domain name, not an IP address'
  // `*.com` would allow the whole top-level domain: almost surely a mistake, so it is refused.
  if (subdomains && !endpoint.hostname.includes('.')) {
    return 'a wildcard needs a domain of at least two labels'
  }
  return Object.freeze({ hostname: endpoint.hostname, subdomains, port })
}

/** Whether an endpoint is covered by an allow-list entry. */
export function hostAllows(allowed: AllowedHost, endpoint: Endpoint): boolean {
  if (allowed.port !== undefined && allowed.port !== endpoint.port) return false
  if (!allowed.subdomains) return endpoint.hostname === allowed.hostname
  // The dot boundary: `a.example.com` is under `example.com`, `evilexample.com` is not.
  return endpoint.hostname.endsWith(`.${allowed.hostname}`) && !isIpLiteral(endpoint.hostname)
}
