import * as oidc from 'openid-client'
import { GateError } from '../errors.ts'
import type { SessionTokens } from '../session/sessions.ts'
import { fxaErrno } from './provider-errors.ts'

/** What a refresh grant came to. Anything else (outage, misconfiguration) is thrown as a GateError. */
export type RefreshOutcome =
  | {
      readonly kind: 'refreshed'
      readonly tokens: SessionTokens
      /** A new ID token's claims, when the provider sent one (FxA never does on a refresh). */
      readonly idClaims: Record<string, unknown> | undefined
    }
  /** The provider will not refresh this grant again: the user disconnected the app, the account is gone. */
  | { readonly kind: 'refused'; readonly detail: string }

/**
 * FxA's answers that mean the grant is dead: 108 invalid token (disconnected, password reset,
 * account deleted) and 110 (unauthorized). OAuth providers say `invalid_grant`.
 */
const FXA_GRANT_GONE = new Set([108, 110])

/** Whether a failed refresh grant means the grant is gone for good (and the session must end). */
export function grantRefused(error: unknown): boolean {
  if (!(error instanceof oidc.ResponseBodyError)) return false
  if (error.error === 'invalid_grant') return true
  const errno = fxaErrno(error)
  return errno !== undefined && FXA_GRANT_GONE.has(errno) && error.status >= 400 && error.status < 500
}

/**
 * Exchanges the session's refresh token for new tokens: the refreshed tokens, or `refused` when the
 * provider says the grant is gone. Other failures are thrown as they came (the caller translates).
 */
export async function refreshGrant(
  configuration: oidc.Configuration,
  tokens: SessionTokens,
  now: () => number,
): Promise<RefreshOutcome> {
  if (tokens.refreshToken === undefined) throw new GateError('PROVIDER_ERROR', { detail: 'no refresh token' })
  let response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers
  try {
    response = await oidc.refreshTokenGrant(configuration, tokens.refreshToken)
  } catch (error) {
    if (!grantRefused(error)) throw error
    const errno = fxaErrno(error)
    const status = (error as oidc.ResponseBodyError).status
    return {
      kind: 'refused',
      detail: errno === undefined ? `${status} invalid_grant` : `${status} errno ${errno}`,
    }
  }
  return { kind: 'refreshed', tokens: refreshedTokens(tokens, response, now()), idClaims: response.claims() }
}

/** The session tokens after a refresh: the new access token, and the refresh token (rotated or kept). */
export function refreshedTokens(
  before: SessionTokens,
  response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
  now: number,
): SessionTokens {
  const expiresIn = response.expiresIn()
  return {
    accessToken: response.access_token,
    refreshToken: response.refresh_token ?? before.refreshToken,
    accessTokenExpiresAt: expiresIn === undefined ? undefined : now + expiresIn * 1000,
  }
}
