import { scopeImplicants } from '../identity/scopes.ts'
import type { RequestDescription } from './request.ts'

/** What a rule asks of the user beyond being signed in. Every listed condition must hold. */
export interface Requirements {
  readonly allowedEmails: ReadonlySet<string>
  readonly allowedDomains: ReadonlySet<string>
  readonly requiredCapabilities: readonly string[]
  readonly requiredScopes: readonly string[]
  /** Per required scope, every scope that implies it (FxA's hierarchy), computed once. */
  readonly scopeImplicants: readonly (readonly string[])[]
  /** The user must be in at least one of these groups (generic OIDC `groupsClaim`); empty: no list. */
  readonly allowedGroups: ReadonlySet<string>
  readonly minAal: number
}

/** A rule as written in configuration (YAML `rules:`); see README "Authorization rules". */
export interface RuleSpec {
  readonly hosts?: readonly string[] | undefined
  readonly paths?: readonly string[] | undefined
  readonly methods?: readonly string[] | undefined
  readonly access?: 'public' | 'authenticated' | undefined
  readonly allowedEmails?: readonly string[] | undefined
  readonly allowedDomains?: readonly string[] | undefined
  readonly requiredCapabilities?: readonly string[] | undefined
  readonly requiredScopes?: readonly string[] | undefined
  readonly allowedGroups?: readonly string[] | undefined
  readonly minAal?: number | undefined
}

export interface CompiledRule {
  readonly name: string
  readonly public: boolean
  readonly requirements: Requirements
  /** The methods the rule is scoped to (upper-case); undefined for every method. */
  readonly methods: ReadonlySet<string> | undefined
  /** Whether the rule is scoped to hosts. */
  readonly hostScoped: boolean
  /** Whether the rule matches this method and path, its hosts aside. */
  matchesRequest(method: string, path: string): boolean
  matchesHost(host: string): boolean
}

export const NO_REQUIREMENTS: Requirements = Object.freeze({
  allowedEmails: new Set<string>(),
  allowedDomains: new Set<string>(),
  requiredCapabilities: [],
  requiredScopes: [],
  scopeImplicants: [],
  allowedGroups: new Set<string>(),
  minAal: 0,
})

export function compileRequirements(
  spec: Omit<RuleSpec, 'hosts' | 'paths' | 'methods' | 'access'>,
): Requirements {
  return Object.freeze({
    allowedEmails: new Set((spec.allowedEmails ?? []).map((email) => email.toLowerCase())),
    allowedDomains: new Set(
      (spec.allowedDomains ?? []).map((domain) => domain.toLowerCase().replace(/^@/, '')),
    ),
    requiredCapabilities: [...(spec.requiredCapabilities ?? [])],
    requiredScopes: [...(spec.requiredScopes ?? [])],
    scopeImplicants: (spec.requiredScopes ?? []).map(scopeImplicants),
    allowedGroups: new Set(spec.allowedGroups ?? []),
    minAal: spec.minAal ?? 0,
  })
}

/**
 * A path pattern: `/exact`, or `/prefix/*` (the prefix itself and everything below it at a `/`
 * boundary), or `*` for every path. With `slashBlind`, `/exact` also matches `/exact/` and the
 * other way round: Express, Rails, Laravel and Spring (before 6) serve both alike, so a rule that
 * restricts one must hold for the other. Public rules stay exact: that only ever narrows access.
 */
function compilePath(pattern: string, slashBlind: boolean): (path: string) => boolean {
  if (pattern === '*' || pattern === '/*') return () => true
  if (pattern.endsWith('/*')) {
    const base = pattern.slice(0, -2)
    const prefix = `${base}/`
    return (path) => path === base || path.startsWith(prefix)
  }
  if (!slashBlind || pattern === '/') return (path) => path === pattern
  const other = pattern.endsWith('/') ? pattern.slice(0, -1) : `${pattern}/`
  return (path) => path === pattern || path === other
}

/** A host pattern: `app.example.com`, or `*.example.com` (sub-domains at a dot boundary). */
function compileHost(pattern: string): (host: string) => boolean {
  const lower = pattern.toLowerCase().replace(/\.$/, '')
  if (lower.startsWith('*.')) {
    const suffix = lower.slice(1)
    return (host) => stripPort(host).endsWith(suffix) && stripPort(host).length > suffix.length
  }
  return lower.includes(':') ? (host) => host === lower : (host) => stripPort(host) === lower
}

function stripPort(host: string): string {
  const at = host.lastIndexOf(':')
  return at > host.lastIndexOf(']') ? host.slice(0, at) : host
}

export function compileRule(spec: RuleSpec, name: string): CompiledRule {
  const paths = (spec.paths ?? ['*']).map((pattern) => compilePath(pattern, spec.access !== 'public'))
  const hosts = spec.hosts?.map(compileHost)
  // Methods are case-sensitive (RFC 9110): `get` is not GET, so it does not inherit GET's rule.
  const methods = spec.methods ? new Set(spec.methods.map((method) => method.toUpperCase())) : undefined
  return {
    name,
    public: spec.access === 'public',
    requirements: compileRequirements(spec),
    methods,
    hostScoped: hosts !== undefined,
    matchesRequest(method, path) {
      if (methods && !methods.has(method)) return false
      return paths.some((match) => match(path))
    },
    matchesHost: (host) => hosts === undefined || hosts.some((match) => match(host)),
  }
}

export interface RuleSet {
  /**
   * The rules the request falls under: for every reading of its path and method, the first rule
   * that matches. A request that may name any method is read as every method a rule names and as
   * one no rule names; a request whose host may be another is read as matching and as not matching
   * each host-scoped rule.
   */
  match(request: RequestDescription): CompiledRule[]
  /** Whether any rule is scoped to hosts (they need a host the proxy routed by, see anyHost). */
  readonly hostScoped: boolean
}

/** A method no rule names (rules name method tokens, never the empty string). */
const UNNAMED_METHOD = ''

const SIGNED_IN: CompiledRule = compileRule({ access: 'authenticated' }, 'default')

/**
 * Compiles the rule list: `publicPaths` first (public), then the YAML rules in order, then the
 * implicit last rule "signed in, no further requirement".
 */
export function compileRules(publicPaths: readonly string[], specs: readonly RuleSpec[]): RuleSet {
  const rules = [
    ...publicPaths.map((path, i) => compileRule({ paths: [path], access: 'public' }, `publicPaths[${i}]`)),
    ...specs.map((spec, i) => compileRule(spec, `rules[${i}]`)),
    SIGNED_IN,
  ]
  const namedMethods = [...new Set(rules.flatMap((rule) => [...(rule.methods ?? [])]))]
  function firstMatches(request: RequestDescription, method: string, path: string, into: Set<CompiledRule>) {
    for (const rule of rules) {
      if (!rule.matchesRequest(method, path)) continue
      if (!rule.hostScoped) return void into.add(rule)
      // Both branches of "is this the host?": the rule applies, and the ones after it might too.
      if (request.anyHost) into.add(rule)
      else if (rule.matchesHost(request.host)) return void into.add(rule)
    }
  }
  return {
    hostScoped: rules.some((rule) => rule.hostScoped),
    match(request) {
      const matched = new Set<CompiledRule>()
      const methods = request.anyMethod
        ? new Set([...request.methods, ...namedMethods, UNNAMED_METHOD])
        : request.methods
      for (const method of methods) {
        for (const path of request.paths) firstMatches(request, method, path, matched)
      }
      return [...matched]
    },
  }
}
