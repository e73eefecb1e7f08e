import type { SessionFields } from '../session/sessions.ts'

type Claims = Record<string, unknown>

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null
}

function strings(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string')
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean)
  return []
}

/**
 * Builds the identity kept in a session from the ID token claims and the profile (FxA's
 * `/v1/profile` shape, or a generic OIDC userinfo). The user is keyed on the ID token's `sub`
 * (the FxA uid), never on the email.
 */
export function sessionFieldsFrom(
  idClaims: Claims,
  profile: Claims,
  grantedScope: string | undefined,
): SessionFields {
  const amr = strings(idClaims['amr'] ?? profile['amrValues'])
  const aalClaim = idClaims['fxa-aal']
  const aal =
    typeof aalClaim === 'number'
      ? aalClaim
      : idClaims['acr'] === 'AAL2' || profile['twoFactorAuthentication'] === true
        ? 2
        : 1
  return {
    uid: String(idClaims['sub']),
    email: text(profile['email']),
    displayName: text(profile['displayName']) ?? text(profile['name']),
    locale: text(profile['locale']),
    avatar: text(profile['avatar']) ?? text(profile['picture']),
    subscriptions: strings(profile['subscriptions']),
    scopes: strings(grantedScope),
    aal,
    amr,
  }
}
