import type * as oidc from 'openid-client'
import type { Config } from '../config/derive.ts'
import { GateError } from '../errors.ts'
import { type Fetch, requestJson } from './http.ts'

/** The profile as FxA serves it now, or `refused` when this token may no longer read it. */
export type ProfileAnswer =
  | { readonly kind: 'profile'; readonly profile: Record<string, unknown> }
  | { readonly kind: 'refused' }

export type ProfileFetcher = (accessToken: string, uid: string) => Promise<ProfileAnswer>

/**
 * `GET <profile>/v1/profile` (or the discovery's userinfo endpoint) with a session's access token.
 * A 401/403 is `refused` (the token died: password change, disconnection); an outage is GateError
 * PROVIDER_UNAVAILABLE; a profile of another user is PROVIDER_ERROR.
 */
export function createProfileFetcher(deps: {
  config: Config
  discover: () => Promise<oidc.Configuration>
  fetch?: Fetch
  /** Per call; the provider timeout when absent. */
  timeoutMs?: number
}): ProfileFetcher {
  const { config } = deps
  const fetch = deps.fetch ?? globalThis.fetch
  const profileUrl = async (): Promise<string> => {
    if (config.fxaProfileUrl !== undefined) return `${config.fxaProfileUrl}/profile`
    const userinfo = (await deps.discover()).serverMetadata().userinfo_endpoint
    if (userinfo === undefined)
      throw new GateError('PROVIDER_ERROR', { detail: 'no profile or userinfo endpoint' })
    return userinfo
  }
  return async (accessToken, uid) => {
    const response = await requestJson(fetch, await profileUrl(), {
      method: 'GET',
      headers: { authorization: `Bearer ${accessToken}` },
      timeoutMs: deps.timeoutMs ?? config.providerTimeout,
    })
    if (response.status === 401 || response.status === 403) return { kind: 'refused' }
    if (response.oversized)
      throw new GateError('PROFILE_TOO_LARGE', { detail: 'profile response over 256 KiB' })
    if (response.status >= 500 || response.status === 429) {
      throw new GateError('PROVIDER_UNAVAILABLE', { detail: `profile ${response.status}` })
    }
    if (response.status !== 200 || typeof response.body !== 'object' || response.body === null) {
      throw new GateError('PROVIDER_ERROR', { detail: `profile ${response.status}` })
    }
    const profile = response.body as Record<string, unknown>
    const owner = profile['uid'] ?? profile['sub']
    if (owner !== undefined && owner !== uid)
      throw new GateError('PROVIDER_ERROR', { detail: 'profile of another user' })
    return { kind: 'profile', profile }
  }
}
