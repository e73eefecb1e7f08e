import type { SessionFields } from '../session/sessions.ts'
import { IDENTITY_CAPS } from './caps.ts'

type Claims = Record<string, unknown>

/** How a generic OIDC provider's claims are read (configuration: acrAalMap, groupsClaim). */
export interface ClaimMapping {
  /** `acr` value → AAL; FxA's own `fxa-aal` claim wins when present. */
  readonly acrAalMap: Readonly<Record<string, number>>
  /** Dotted path of the claim holding the user's groups (`groups`, `realm_access.roles`). */
  readonly groupsClaim: string
}

const NO_MAPPING: ClaimMapping = { acrAalMap: { AAL1: 1, AAL2: 2 }, groupsClaim: 'groups' }
const MAX_GROUPS = IDENTITY_CAPS.groups.items
const MAX_GROUP_BYTES = IDENTITY_CAPS.groups.bytes

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null
}

function strings(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string')
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean)
  return []
}

function claimAt(claims: Claims, path: string): unknown {
  let value: unknown = claims
  for (const name of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, name)) return undefined
    value = (value as Claims)[name]
  }
  return value
}

/** The user's groups: strings of the configured claim, bounded in number and length. */
function groupsOf(claims: Claims, path: string): string[] {
  const value = claimAt(claims, path)
  const listed = Array.isArray(value) ? value : typeof value === 'string' ? [value] : []
  const groups = listed.filter(
    (group): group is string =>
      typeof group === 'string' && group.length > 0 && Buffer.byteLength(group) <= MAX_GROUP_BYTES,
  )
  return [...new Set(groups)].slice(0, MAX_GROUPS)
}

/**
 * The AAL a provider asserts in a set of claims: FxA's `fxa-aal`, else `acr` through the map.
 * Undefined when it asserts nothing this gate understands (never guessed from account facts).
 */
export function aalFromClaims(
  claims: Claims,
  acrAalMap: Readonly<Record<string, number>>,
): number | undefined {
  const fxaAal = claims['fxa-aal']
  if (typeof fxaAal === 'number' && Number.isInteger(fxaAal) && fxaAal >= 1 && fxaAal <= 3) return fxaAal
  const acr = claims['acr']
  return typeof acr === 'string' && Object.hasOwn(acrAalMap, acr) ? acrAalMap[acr] : undefined
}

/**
 * Builds the identity kept in a session from the ID token claims and the profile (FxA's
 * `/v1/profile` shape, or a generic OIDC userinfo). The user is keyed on the ID token's `sub`
 * (the FxA uid), never on the email. The AAL is what the ID token asserts (`fxa-aal`, or `acr`
 * through the map), else 1: a completed login is one factor; the profile's
 * `twoFactorAuthentication` says the account has two-step, not that this login used it.
 */
export function sessionFieldsFrom(
  idClaims: Claims,
  profile: Claims,
  grantedScope: string | undefined,
  mapping: ClaimMapping = NO_MAPPING,
): SessionFields {
  const amr = strings(idClaims['amr'] ?? profile['amrValues'])
  const groups = groupsOf({ ...profile, ...idClaims }, mapping.groupsClaim)
  const metricsEnabled = profile['metricsEnabled']
  return {
    uid: String(idClaims['sub']),
    email: text(profile['email']),
    displayName: text(profile['displayName']) ?? text(profile['name']),
    locale: text(profile['locale']),
    avatar: text(profile['avatar']) ?? text(profile['picture']),
    subscriptions: strings(profile['subscriptions']),
    scopes: strings(grantedScope),
    aal: aalFromClaims(idClaims, mapping.acrAalMap) ?? 1,
    amr,
    ...(groups.length > 0 ? { groups } : {}),
    ...(typeof metricsEnabled === 'boolean' ? { metricsEnabled } : {}),
  }
}

/** Whether the provider marks the email verified, in the profile or the ID token. */
export function emailVerified(idClaims: Claims, profile: Claims): boolean {
  return (
    profile['email_verified'] === true ||
    (profile['email_verified'] === undefined && idClaims['email_verified'] === true)
  )
}

/** The identity fields a session takes from a profile re-read (a revalidation or a profile change). */
export type ProfileFields = Pick<
  SessionFields,
  'email' | 'displayName' | 'locale' | 'avatar' | 'subscriptions' | 'groups' | 'metricsEnabled'
>

/**
 * What a re-read profile changes in a session: the profile's fields; groups and metrics consent
 * only when the answer carries them (groups may have come from the ID token at login).
 */
export function refreshedFields(
  current: ProfileFields,
  uid: string,
  profile: Claims,
  mapping: ClaimMapping = NO_MAPPING,
): ProfileFields {
  const fields = sessionFieldsFrom({ sub: uid }, profile, undefined, mapping)
  return {
    email: fields.email,
    displayName: fields.displayName,
    locale: fields.locale,
    avatar: fields.avatar,
    subscriptions: fields.subscriptions,
    groups: claimAt(profile, mapping.groupsClaim) === undefined ? current.groups : fields.groups,
    metricsEnabled: fields.metricsEnabled ?? current.metricsEnabled,
  }
}

/** Whether two sets of profile fields say the same. */
export function sameProfileFields(a: ProfileFields, b: ProfileFields): boolean {
  const list = (x: readonly string[] | undefined) => JSON.stringify(x ?? [])
  return (
    a.email === b.email &&
    a.displayName === b.displayName &&
    a.locale === b.locale &&
    a.avatar === b.avatar &&
    a.metricsEnabled === b.metricsEnabled &&
    list(a.subscriptions) === list(b.subscriptions) &&
    list(a.groups) === list(b.groups)
  )
}
