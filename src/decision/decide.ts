import type { Identity } from '../identity/identity.ts'
import type { RequestDescription } from './request.ts'
import { NO_REQUIREMENTS, type Requirements, type RuleSet } from './rules.ts'

export type Decision =
  | { readonly kind: 'allow'; readonly identity: Identity | null }
  | { readonly kind: 'unauthenticated'; readonly loginUrl: string }
  | { readonly kind: 'forbidden'; readonly reason: string; readonly identity: Identity }

export interface DecisionPolicy {
  readonly rules: RuleSet
  /** Where a browser goes to sign in and come back to `request.url`. */
  loginUrl(request: RequestDescription): string
}

/**
 * The one authorization decision, shared by every transport (nginx, Traefik/Caddy, Envoy, the
 * sidecar). Pure: credentials are resolved before, answers are translated after. A request is
 * public only when every reading of its path falls under a public rule; otherwise the
 * requirements of every matched rule (and of the transport's own, e.g. auth URL parameters) hold.
 */
export function decide(
  request: RequestDescription,
  identity: Identity | null,
  policy: DecisionPolicy,
  extra: Requirements = NO_REQUIREMENTS,
): Decision {
  const rules = policy.rules.match(request)
  if (rules.every((rule) => rule.public)) return { kind: 'allow', identity }
  if (identity === null) return { kind: 'unauthenticated', loginUrl: policy.loginUrl(request) }
  // Each set must hold on its own: merged allow-lists would widen (disjoint lists intersect to an
  // empty list, which reads as "no list") or let one rule's domains admit another rule's emails.
  let reason = unmetRequirement(identity, extra)
  for (let i = 0; reason === undefined && i < rules.length; i++)
    reason = unmetRequirement(identity, rules[i]!.requirements)
  return reason === undefined ? { kind: 'allow', identity } : { kind: 'forbidden', reason, identity }
}

/** The first requirement the identity does not meet, or undefined when it meets them all. */
export function unmetRequirement(identity: Identity, requirements: Requirements): string | undefined {
  if (requirements === NO_REQUIREMENTS) return undefined
  const email = identity.email?.toLowerCase()
  const emailListed = email !== undefined && requirements.allowedEmails.has(email)
  const domainListed =
    email !== undefined && requirements.allowedDomains.has(email.slice(email.lastIndexOf('@') + 1))
  const listsSet = requirements.allowedEmails.size > 0 || requirements.allowedDomains.size > 0
  if (listsSet && !emailListed && !domainListed) return 'email not allowed'
  for (const capability of requirements.requiredCapabilities) {
    if (!identity.subscriptions.includes(capability)) return `missing capability ${capability}`
  }
  for (const scope of requirements.requiredScopes) {
    if (!identity.scopes.includes(scope)) return `missing scope ${scope}`
  }
  if (identity.aal < requirements.minAal) return 'two-step authentication required'
  return undefined
}
