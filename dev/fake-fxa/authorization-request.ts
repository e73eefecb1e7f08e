import { type FxaErrorBody, fxaErrorBody } from './errors.ts'
import { grantCovers } from './scopes.ts'
import type { FakeClient } from './types.ts'

const STATE_MAX_LENGTH = 512
/** What FxA lets a client that Mozilla does not trust ask for (its own URL scopes aside). */
const UNTRUSTED_CLIENT_SCOPES = ['openid', 'profile:uid', 'profile:email', 'profile:display_name']

/**
 * FxA's checks on an authorization request that oidc-provider does not make: `state` is required,
 * and PKCE is for public clients only (a confidential client sending it is refused with errno 116,
 * a public client omitting it with errno 118), and an untrusted client may only ask for the basic
 * profile scopes and its own (errno 114). Anything else is left to oidc-provider.
 */
export function checkAuthorizationRequest(
  query: URLSearchParams,
  clients: ReadonlyMap<string, FakeClient>,
): FxaErrorBody | undefined {
  const state = query.get('state')
  if (state === null || state === '' || state.length > STATE_MAX_LENGTH) {
    return fxaErrorBody('invalidRequestParameter', { validation: { keys: ['state'] } })
  }

  const client = clients.get(query.get('client_id') ?? '')
  if (client === undefined) return undefined

  if (client.trusted === false) {
    const allowed = [...UNTRUSTED_CLIENT_SCOPES, ...(client.allowedScopes ?? [])]
    const refused = (query.get('scope') ?? '')
      .split(' ')
      .filter((scope) => scope !== '' && !grantCovers(allowed, scope))
    if (refused.length > 0) return fxaErrorBody('invalidScopes', { invalidScopes: refused })
  }

  const challenge = query.get('code_challenge')
  const method = query.get('code_challenge_method')
  if (client.clientSecret !== undefined) {
    return challenge === null && method === null ? undefined : fxaErrorBody('notPublicClient')
  }
  if (challenge === null || method === null) return fxaErrorBody('missingPkceParameters')
  if (method !== 'S256') {
    return fxaErrorBody('invalidRequestParameter', { validation: { keys: ['code_challenge_method'] } })
  }
  return undefined
}
