import type { Fetch } from '../identity/http.ts'
import type { Dependencies } from './dependencies.ts'

/** The FxA / OIDC API an URL's last path segment names: a closed set, so URLs cannot mint series. */
const OPERATIONS: Readonly<Record<string, string>> = {
  'openid-configuration': 'discovery',
  token: 'token',
  jwks: 'jwks',
  'jwks.json': 'jwks',
  introspect: 'introspect',
  verify: 'verify',
  destroy: 'destroy',
  profile: 'profile',
  userinfo: 'userinfo',
  me: 'userinfo',
  revoke: 'revoke',
  revocation: 'revoke',
}

export function operationOf(url: string): string {
  const path = url.replace(/[?#].*$/, '').replace(/\/+$/, '')
  return OPERATIONS[path.slice(path.lastIndexOf('/') + 1)] ?? 'other'
}

function urlOf(input: Parameters<Fetch>[0]): string {
  if (typeof input === 'string') return input
  return input instanceof URL ? input.href : input.url
}

/**
 * The fetch that fxa-gate's calls to FxA go through: each is timed under
 * `dependency="fxa"`, and a network failure or a 5xx marks FxA down (a 4xx is FxA answering).
 */
export function instrumentFetch(fetch: Fetch, dependencies: Dependencies): Fetch {
  return (input, init) =>
    dependencies.call(
      'fxa',
      operationOf(urlOf(input)),
      () => fetch(input, init),
      () => true,
      (response) => response.status < 500,
    )
}
