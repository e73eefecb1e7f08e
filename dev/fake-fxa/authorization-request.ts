import { type FxaErrorBody, fxaErrorBody } from './errors.ts'
import type { FakeClient } from './types.ts'

const STATE_MAX_LENGTH = 512

/**
 * FxA's checks on an authorization request that oidc-provider does not make: `state` is required,
 * and PKCE is for public clients only (a confidential client sending it is refused with errno 116,
 * a public client omitting it with errno 118). Anything else is left to oidc-provider.
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
