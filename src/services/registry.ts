import type { Config } from '../config/derive.ts'
import type { ServiceSpec } from '../config/services-schema.ts'
import type { RequestDescription } from '../decision/request.ts'
import { compileRequirements, type Requirements } from '../decision/rules.ts'
import { GateError } from '../errors.ts'
import { type HostPattern, patternCovers } from './hosts.ts'

/** How a service's nodes take new users (docs/services.md, "Capacity"). */
export interface ReleasePolicy {
  /** The share of a node's capacity released to new users at once (0–1]. */
  readonly rate: number
  /** How long after a release the next one may come. */
  readonly intervalMs: number
}

/** One service of the registry, compiled once from configuration. */
export interface Service {
  readonly name: string
  readonly audience: string
  readonly hosts: readonly HostPattern[]
  readonly assertionTtlMs: number
  readonly tokenTtlMs: number
  /** What a bearer token must carry for this service (its scopes); sessions are the gate's own. */
  readonly bearerRequirements: Requirements
  /** OAuth clients whose bearer tokens this service accepts; undefined: the global setting. */
  readonly allowedClients: ReadonlySet<string> | undefined
  /**
   * The service names who may use bearer tokens on it (its scopes or its client list), so they are
   * credentials on its hosts; otherwise only where the rules or the global client list say (#12).
   */
  readonly namesBearerUse: boolean
  readonly webhookUrls: readonly string[]
  /** The nodes the configuration lists (added to the shared store once, see nodes/). */
  readonly configuredNodes: readonly { readonly url: string; readonly capacity: number }[]
  readonly release: ReleasePolicy
}

export interface ServiceRegistry {
  readonly services: readonly Service[]
  byName(name: string): Service | undefined
  /** The service claiming a validated host name (canonical, no port), if any. */
  forHostname(hostname: string): Service | undefined
  /**
   * The service a described request is for: the one the auth URL names (`?service=`, forward-auth
   * only), else the one claiming its host when the host can be believed; null means the global
   * settings. Throws GateError BAD_REQUEST for an unknown name, or for a named service whose host
   * another service claims (the auth URL and the host disagree).
   */
  resolve(description: RequestDescription, named: string | undefined): Service | null
}

function compile(spec: ServiceSpec, config: Config): Service {
  return Object.freeze({
    name: spec.name,
    audience: spec.audience,
    hosts: spec.hosts,
    assertionTtlMs: spec.assertionTtl ?? config.assertionTtl,
    tokenTtlMs: spec.tokenTtl,
    bearerRequirements: compileRequirements({ requiredScopes: spec.requiredScopes }),
    allowedClients: spec.allowedClients === undefined ? undefined : new Set(spec.allowedClients),
    namesBearerUse: (spec.requiredScopes?.length ?? 0) > 0 || (spec.allowedClients?.length ?? 0) > 0,
    webhookUrls: spec.webhookUrls,
    configuredNodes: spec.nodes,
    release: Object.freeze({ rate: spec.releaseRate, intervalMs: spec.releaseInterval }),
  })
}

const IP_LITERAL = /^(?:\[.*\]|[0-9.]+)$/

/** Compiles the `services` key into lookups by name and by host (exact, then wildcard domains). */
export function compileServices(config: Config): ServiceRegistry {
  const services = config.services.map((spec) => compile(spec, config))
  const byName = new Map(services.map((service) => [service.name, service]))
  const exact = new Map<string, Service>()
  const wildcards = new Map<string, Service>()
  for (const service of services) {
    for (const pattern of service.hosts) (pattern.wildcard ? wildcards : exact).set(pattern.hostname, service)
  }

  function forHostname(hostname: string): Service | undefined {
    const found = exact.get(hostname)
    if (found !== undefined || wildcards.size === 0 || IP_LITERAL.test(hostname)) return found
    // Walk up the labels: `a.b.example.com` is under `b.example.com`, then `example.com`, never
    // itself. No host is claimed by two patterns (configuration validation), so the first is the one.
    for (let dot = hostname.indexOf('.'); dot !== -1; dot = hostname.indexOf('.', dot + 1)) {
      const service = wildcards.get(hostname.slice(dot + 1))
      if (service !== undefined) return service
    }
    return undefined
  }

  return {
    services,
    byName: (name) => byName.get(name),
    forHostname,
    resolve(description, named) {
      if (services.length === 0) return null
      // Behind ingress-nginx without ?host=, the host is the client's word: it chooses nothing.
      const byHost = description.anyHost ? undefined : forHostname(hostnameOf(description.host))
      if (named === undefined) return byHost ?? null
      const service = byName.get(named)
      if (service === undefined)
        throw new GateError('BAD_REQUEST', { detail: `unknown service ${named} in the auth URL` })
      if (byHost !== undefined && byHost !== service)
        throw new GateError('HOST_MISMATCH', {
          detail: `host of service ${byHost.name}, auth URL names ${named}`,
        })
      return service
    },
  }
}

/** The host name of a validated `host[:port]`. */
function hostnameOf(host: string): string {
  const colon = host.lastIndexOf(':')
  return colon > host.lastIndexOf(']') ? host.slice(0, colon) : host
}

/** Sanity for tests and tools: every pattern of a service covers what forHostname finds. */
export function claims(service: Service, hostname: string): boolean {
  return service.hosts.some((pattern) => patternCovers(pattern, hostname))
}
