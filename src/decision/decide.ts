import { GateError } from '../errors.ts'
import type { Identity } from '../identity/identity.ts'
import { grantedImplies } from '../identity/scopes.ts'
import type { RequestDescription } from './request.ts'
import { NO_REQUIREMENTS, type Requirements, type RuleSet } from './rules.ts'

/**
 * The requirement a signed-in user did not meet, as data: answers can offer the way out (a step-up
 * for `aal`, a subscription for `capability`) and logs name it.
 */
export type UnmetRequirement =
  /** The email is on neither the allowed emails nor the allowed domains (which a page may name). */
  | { readonly kind: 'email'; readonly email: string | null; readonly allowedDomains: readonly string[] }
  | { readonly kind: 'capability'; readonly capability: string }
  | { readonly kind: 'scope'; readonly scope: string }
  /** In none of the allowed groups (generic OIDC groups claim). */
  | { readonly kind: 'group' }
  | { readonly kind: 'aal'; readonly required: number; readonly actual: number }

export type Decision =
  | { readonly kind: 'allow'; readonly identity: Identity | null }
  | { readonly kind: 'unauthenticated'; readonly loginUrl: string }
  | {
      readonly kind: 'forbidden'
      readonly unmet: UnmetRequirement
      /** Whose requirement it was: a rule (`rules[2]`) or the transport (`auth URL`). */
      readonly source: string
      /** Who was refused: what a page says ("signed in as …") and whether a step-up can help. */
      readonly identity: Identity
      /** The URL that was refused, to come back to after a step-up or a subscription. */
      readonly url: string
    }

export interface DecisionPolicy {
  readonly rules: RuleSet
  /** Where a browser goes to sign in and come back to `request.url`. */
  loginUrl(request: RequestDescription): string
  /**
   * True when FXA_GATE_BEARER_ALLOWED_CLIENTS names the clients whose tokens count. Otherwise a
   * bearer token is a credential only on routes that name the scopes it must carry.
   */
  readonly bearerAcceptedEverywhere?: boolean
}

/** A bearer token where nothing says whose tokens may be used: refused, never taken as anyone's. */
export function bearerNotAccepted(): GateError {
  return new GateError('BEARER_NOT_ACCEPTED', {
    detail: 'no required scope on this route and no allowed client list',
    wwwAuthenticate:
      'Bearer realm="fxa-gate", error="invalid_token", error_description="bearer tokens are not accepted on this route"',
  })
}

/** Requirements a transport adds to the rules' (an auth URL's parameters), named for answers and logs. */
export interface TransportRequirements {
  readonly requirements: Requirements
  readonly source: string
}

export const NO_TRANSPORT_REQUIREMENTS: TransportRequirements = Object.freeze({
  requirements: NO_REQUIREMENTS,
  source: 'transport',
})

/**
 * The one authorization decision, shared by every transport (nginx, Traefik/Caddy, Envoy, the
 * sidecar). Pure: credentials are resolved before, answers are translated after. A request is
 * public only when every reading of it falls under a public rule; otherwise the requirements of
 * every matched rule (and of the transport's own, e.g. auth URL parameters) hold.
 */
export function decide(
  request: RequestDescription,
  identity: Identity | null,
  policy: DecisionPolicy,
  extra: TransportRequirements = NO_TRANSPORT_REQUIREMENTS,
): Decision {
  const rules = policy.rules.match(request)
  const bearerRefused =
    identity?.auth === 'bearer' &&
    policy.bearerAcceptedEverywhere !== true &&
    extra.requirements.requiredScopes.length === 0 &&
    rules.every((rule) => rule.requirements.requiredScopes.length === 0)
  if (rules.every((rule) => rule.public)) return { kind: 'allow', identity: bearerRefused ? null : identity }
  if (identity === null) return { kind: 'unauthenticated', loginUrl: policy.loginUrl(request) }
  if (bearerRefused) throw bearerNotAccepted()
  // Each set must hold on its own: merged allow-lists would widen (disjoint lists intersect to an
  // empty list, which reads as "no list") or let one rule's domains admit another rule's emails.
  const unmet = unmetRequirement(identity, extra.requirements)
  if (unmet !== undefined)
    return { kind: 'forbidden', unmet, source: extra.source, identity, url: request.url }
  for (const rule of rules) {
    const unmetByRule = unmetRequirement(identity, rule.requirements)
    if (unmetByRule !== undefined)
      return { kind: 'forbidden', unmet: unmetByRule, source: rule.name, identity, url: request.url }
  }
  return { kind: 'allow', identity }
}

/** The first requirement the identity does not meet, or undefined when it meets them all. */
export function unmetRequirement(
  identity: Identity,
  requirements: Requirements,
): UnmetRequirement | undefined {
  if (requirements === NO_REQUIREMENTS) return undefined
  const email = identity.email?.toLowerCase()
  const emailListed = email !== undefined && requirements.allowedEmails.has(email)
  const domainListed =
    email !== undefined && requirements.allowedDomains.has(email.slice(email.lastIndexOf('@') + 1))
  const listsSet = requirements.allowedEmails.size > 0 || requirements.allowedDomains.size > 0
  if (listsSet && !emailListed && !domainListed)
    return { kind: 'email', email: identity.email, allowedDomains: [...requirements.allowedDomains] }
  for (const capability of requirements.requiredCapabilities) {
    if (!identity.subscriptions.includes(capability)) return { kind: 'capability', capability }
  }
  for (let i = 0; i < requirements.requiredScopes.length; i++) {
    if (!grantedImplies(identity.scopes, requirements.scopeImplicants[i]!))
      return { kind: 'scope', scope: requirements.requiredScopes[i]! }
  }
  if (
    requirements.allowedGroups.size > 0 &&
    !identity.groups?.some((group) => requirements.allowedGroups.has(group))
  )
    return { kind: 'group' }
  if (identity.aal < requirements.minAal)
    return { kind: 'aal', required: requirements.minAal, actual: identity.aal }
  return undefined
}

/** The unmet requirement in words, for a log line (never for the client: it names allow-list facts). */
export function describeUnmet(unmet: UnmetRequirement): string {
  switch (unmet.kind) {
    case 'email':
      return 'email not allowed'
    case 'capability':
      return `missing capability ${unmet.capability}`
    case 'scope':
      return `missing scope ${unmet.scope}`
    case 'group':
      return 'not in an allowed group'
    case 'aal':
      return `two-step authentication required (aal ${unmet.actual} < ${unmet.required})`
  }
}
