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
  matches(method: string, host: string, path: string): boolean
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
 * boundary), or `*` for every path.
 */
function compilePath(pattern: string): (path: string) => boolean {
  if (pattern === '*' || pattern === '/*') return () => true
  if (pattern.endsWith('/*')) {
    const base = pattern.slice(0, -2)
    const prefix = `${base}/`
    return (path) => path === base || path.startsWith(prefix)
  }
  return (path) => path === pattern
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
  const paths = (spec.paths ?? ['*']).map(compilePath)
  const hosts = spec.hosts?.map(compileHost)
  // Methods are case-sensitive (RFC 9110): `get` is not GET, so it does not inherit GET's rule.
  const methods = spec.methods ? new Set(spec.methods.map((method) => method.toUpperCase())) : undefined
  return {
    name,
    public: spec.access === 'public',
    requirements: compileRequirements(spec),
    matches(method, host, path) {
      if (methods && !methods.has(method)) return false
      if (hosts && !hosts.some((match) => match(host))) return false
      return paths.some((match) => match(path))
    },
  }
}

export interface RuleSet {
  /** The rules every reading of the request falls under (first match per reading). */
  match(request: RequestDescription): CompiledRule[]
}

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
  const known = new WeakMap<RequestDescription, CompiledRule[]>()
  return {
    match(request) {
      const cached = known.get(request)
      if (cached !== undefined) return cached
      const matched = new Set<CompiledRule>()
      for (const method of new Set([request.method, request.method.toUpperCase()])) {
        for (const path of request.paths) {
          matched.add(rules.find((rule) => rule.matches(method, request.host, path)) ?? SIGNED_IN)
        }
      }
      const result = [...matched]
      known.set(request, result)
      return result
    },
  }
}
