import { parseAuthority } from '../decision/authority.ts'
import { GateError } from '../errors.ts'

/**
 * A host a service claims, in the one form request hosts are compared in (parseAuthority's: lower
 * case, no trailing dot, punycode checked): `app.example.com`, or `*.example.com` for the strict
 * sub-domains of `example.com` (never `example.com` itself).
 */
export interface HostPattern {
  /** As written after canonicalization: `app.example.com` or `*.example.com`. */
  readonly text: string
  /** The exact host name, or the domain a wildcard's sub-domains are under. */
  readonly hostname: string
  readonly wildcard: boolean
}

const IP_LITERAL = /^(?:\[.*\]|[0-9.]+)$/

function canonicalHostname(raw: string): string {
  // A port would make `app.example.com` and `app.example.com:8443` two services' hosts at once.
  const afterLiteral = raw.startsWith('[') ? raw.slice(raw.indexOf(']') + 1) : raw
  if (afterLiteral.includes(':'))
    throw new GateError('BAD_REQUEST', { detail: 'a service host names no port' })
  return parseAuthority(raw, 'https').hostname
}

/** Parses one `hosts` entry of a service, or says what is wrong with it. */
export function parseHostPattern(raw: string): HostPattern | string {
  const wildcard = raw.startsWith('*.')
  try {
    const hostname = canonicalHostname(wildcard ? raw.slice(2) : raw)
    if (wildcard) {
      if (IP_LITERAL.test(hostname)) return 'a wildcard needs a domain name, not an IP address'
      // `*.com` would claim a whole top-level domain: almost surely a mistake.
      if (!hostname.includes('.')) return 'a wildcard needs a domain of at least two labels'
    }
    return { text: wildcard ? `*.${hostname}` : hostname, hostname, wildcard }
  } catch (error) {
    const detail = error instanceof GateError ? error.detail : undefined
    return `expected a host name or *.domain (${detail ?? 'not a host'}; use the punycode form of international names)`
  }
}

/** Whether a wildcard's domain has `hostname` strictly below it (a dot boundary). */
function below(hostname: string, domain: string): boolean {
  return hostname.length > domain.length + 1 && hostname.endsWith(`.${domain}`)
}

/** Whether some host would be claimed by both patterns. */
export function patternsOverlap(a: HostPattern, b: HostPattern): boolean {
  if (!a.wildcard && !b.wildcard) return a.hostname === b.hostname
  if (a.wildcard && b.wildcard)
    return a.hostname === b.hostname || below(a.hostname, b.hostname) || below(b.hostname, a.hostname)
  const [exact, wild] = a.wildcard ? [b, a] : [a, b]
  return below(exact.hostname, wild.hostname)
}

/** Whether a validated request host name is claimed by the pattern. */
export function patternCovers(pattern: HostPattern, hostname: string): boolean {
  return pattern.wildcard ? below(hostname, pattern.hostname) : hostname === pattern.hostname
}
