import type { IncomingMessage, ServerResponse } from 'node:http'
import { fxaErrorBody } from './errors.ts'
import { sendJson } from './http.ts'
import { grantCovers } from './scopes.ts'
import type { TokenBook } from './tokens.ts'
import type { FakeUser } from './types.ts'
import { accountLevel, capabilitiesFor } from './users.ts'

// Which profile:* sub-scope releases each field; `profile` (and `profile:write`) imply them all.
const FIELD_SCOPES = {
  uid: 'profile:uid',
  email: 'profile:email',
  locale: 'profile:locale',
  displayName: 'profile:display_name',
  avatar: 'profile:avatar',
  avatarDefault: 'profile:avatar',
  amrValues: 'profile:amr',
  twoFactorAuthentication: 'profile:amr',
  subscriptions: 'profile:subscriptions',
  metricsEnabled: 'profile:uid',
} as const

type ProfileField = keyof typeof FIELD_SCOPES

/**
 * FxA's profile server `GET /v1/profile` (also the OIDC userinfo endpoint). It reads the user as
 * they are now, so a test that edits a `FakeUser` sees the change on the next call. Fields are
 * released by FxA's hierarchical scope rules; `subscriptions` are the capabilities of the token's
 * client. A user's extra `claims` (generic OIDC providers) are added to any answer.
 */
export function createProfileRoute(deps: { tokens: TokenBook; issuer: string }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1]
    const found = bearer === undefined ? undefined : await deps.tokens.lookUp(bearer, ['access_token'])
    if (found?.state !== 'active') {
      return sendJson(res, 401, fxaErrorBody('unauthorized'), { 'www-authenticate': 'Bearer' })
    }
    const granted = found.token.scope ?? ''
    const released = (field: ProfileField) => grantCovers(granted, FIELD_SCOPES[field])
    const full = fullProfile(found.user, found.token.clientId ?? '', deps.issuer)
    const profile = Object.fromEntries(
      Object.entries(full).filter(([field]) => released(field as ProfileField)),
    )
    if (Object.keys(profile).length === 0) return sendJson(res, 403, fxaErrorBody('insufficientScope'))
    const withSub = grantCovers(granted, 'openid') ? { ...profile, sub: found.user.uid } : profile
    const answer: Record<string, unknown> = { ...withSub, ...found.user.claims }
    for (const [name, value] of Object.entries(answer)) if (value === null) delete answer[name]
    sendJson(res, 200, answer)
  }
}

function fullProfile(user: FakeUser, clientId: string, issuer: string): Record<ProfileField, unknown> {
  const { amr } = accountLevel(user)
  return {
    uid: user.uid,
    email: user.email,
    locale: user.locale ?? 'en-US',
    displayName: user.displayName,
    avatar: user.avatar ?? `${issuer}/v1/avatar/${encodeURIComponent(user.email.charAt(0).toLowerCase())}`,
    avatarDefault: user.avatar === undefined,
    amrValues: amr,
    twoFactorAuthentication: user.twoFactor === true,
    subscriptions: capabilitiesFor(user, clientId),
    metricsEnabled: user.metricsEnabled ?? true,
  }
}
