import { LRUCache } from 'lru-cache'
import { MiB, stringBytes } from '../cache/bytes.ts'
import { parseAuthority } from '../decision/authority.ts'
import { NO_TRANSPORT_REQUIREMENTS, type TransportRequirements } from '../decision/decide.ts'
import { HOST_ROUTED, type HostRouting } from '../decision/request.ts'
import { compileRequirements } from '../decision/rules.ts'
import { GateError } from '../errors.ts'

const LIST = /^[\x21-\x7e]{1,2048}$/
const PARAMETERS = [
  'allowed_emails',
  'allowed_domains',
  'required_capabilities',
  'required_scopes',
  'allowed_groups',
  'min_aal',
  'host',
  'service',
] as const

/** What an auth URL's query says: requirements on top of the rules, and the host it serves. */
export interface AuthUrlQuery {
  readonly extra: TransportRequirements
  /** `?host=`: the one host the proxy sends here. Undefined when the auth URL names none. */
  readonly pinnedHostname: string | undefined
  /** `?service=`: the service every request of this auth URL is for (proxies without a useful host). */
  readonly service: string | undefined
}

const EMPTY: AuthUrlQuery = Object.freeze({
  extra: NO_TRANSPORT_REQUIREMENTS,
  pinnedHostname: undefined,
  service: undefined,
})
const UNPINNED: HostRouting = Object.freeze({ kind: 'unpinned' })

function bad(detail: string): never {
  throw new GateError('BAD_REQUEST', { detail })
}

function parse(query: string): AuthUrlQuery {
  const params = new URLSearchParams(query)
  for (const name of params.keys()) {
    if (!(PARAMETERS as readonly string[]).includes(name)) bad(`unknown auth URL parameter ${name}`)
  }
  const list = (name: string) => {
    const values = params.getAll(name)
    if (values.some((value) => !LIST.test(value))) bad(`invalid ${name}`)
    return values.flatMap((value) => value.split(',')).filter(Boolean)
  }
  const minAal = params.get('min_aal')
  if (minAal !== null && !/^[0-3]$/.test(minAal)) bad('invalid min_aal')
  const hosts = params.getAll('host')
  if (hosts.length > 1) bad('more than one host in the auth URL')
  let pinnedHostname: string | undefined
  if (hosts.length === 1) {
    const authority = parseAuthority(hosts[0]!, 'http')
    if (authority.port !== undefined) bad('the auth URL host names a port')
    pinnedHostname = authority.hostname
  }
  const services = params.getAll('service')
  if (services.length > 1) bad('more than one service in the auth URL')
  if (services.length === 1 && !/^[a-z0-9-]{1,63}$/.test(services[0]!)) bad('invalid service in the auth URL')
  return {
    extra: {
      source: 'auth URL',
      requirements: compileRequirements({
        allowedEmails: list('allowed_emails'),
        allowedDomains: list('allowed_domains'),
        requiredCapabilities: list('required_capabilities'),
        requiredScopes: list('required_scopes'),
        allowedGroups: list('allowed_groups'),
        minAal: minAal === null ? 0 : Number(minAal),
      }),
    },
    pinnedHostname,
    service: services[0],
  }
}

/**
 * Reads the query of an auth URL (`/auth/nginx?host=app.example.com&allowed_domains=example.com`):
 * requirements an ingress adds, like oauth2-proxy's, and the host of its Ingress. The auth URL is
 * static per ingress, so each distinct query is parsed once (bounded: the raw query is the key).
 */
export function createAuthUrlQuery() {
  const parsed = new LRUCache<string, AuthUrlQuery>({
    max: 256,
    // Queries are at most 8 KiB (the request target's limit); the parsed lists about as much again.
    maxSize: 4 * MiB,
    sizeCalculation: (_query, raw) => 3 * stringBytes(raw) + 512,
  })
  return function authUrlQuery(rawUrl: string): AuthUrlQuery {
    const at = rawUrl.indexOf('?')
    if (at === -1) return EMPTY
    const query = rawUrl.slice(at + 1)
    let known = parsed.get(query)
    if (known === undefined) {
      known = parse(query)
      parsed.set(query, known)
    }
    return known
  }
}

/** How far the reported host can be believed, given what the auth URL pins and what the proxy does. */
export function hostRouting(query: AuthUrlQuery, proxyRoutesByIt: boolean): HostRouting {
  if (query.pinnedHostname !== undefined) return { kind: 'pinned', hostname: query.pinnedHostname }
  return proxyRoutesByIt ? HOST_ROUTED : UNPINNED
}
