import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import type Provider from 'oidc-provider'
import { checkAuthorizationRequest } from './authorization-request.ts'
import type { FailureSwitch } from './failures.ts'
import { readFields, sendJson } from './http.ts'
import type { createOauthApi } from './oauth-api.ts'
import type { FakeClient, FakeFxaCalls } from './types.ts'

type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void>

export interface RouterDeps {
  provider: Provider
  clients: ReadonlyMap<string, FakeClient>
  calls: FakeFxaCalls
  failures: FailureSwitch
  oauthApi: ReturnType<typeof createOauthApi>
  profile: Route
  loginPage: Route
  logError: (message: string, error: unknown) => void
}

/**
 * The fake's single origin: FxA's own `/v1/...` routes and the login page are handled here,
 * everything else (discovery, /authorization, /v1/token, /v1/jwks) by oidc-provider.
 */
export function createRequestListener(deps: RouterDeps): RequestListener {
  const { provider, calls, failures, oauthApi } = deps
  const toProvider = provider.callback()
  const delegate: Route = async (req, res) => {
    await toProvider(req, res)
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-fxa.invalid')
    const path = url.pathname

    if (path === '/authorization' && req.method === 'GET') {
      calls.authorization += 1
      const refusal = checkAuthorizationRequest(url.searchParams, deps.clients)
      return refusal === undefined ? delegate(req, res) : sendJson(res, refusal.code, refusal)
    }
    if (path === '/v1/token') {
      calls.token += 1
      return (await failures.apply('token', res)) ? undefined : delegate(req, res)
    }
    if (path === '/v1/jwks') {
      return (await failures.apply('jwks', res)) ? undefined : delegate(req, res)
    }
    if (path === '/v1/profile') {
      calls.profile += 1
      return (await failures.apply('profile', res)) ? undefined : deps.profile(req, res)
    }
    if (path === '/v1/introspect' || path === '/v1/verify' || path === '/v1/destroy') {
      if (req.method !== 'POST') return sendJson(res, 405, { code: 405, error: 'Method Not Allowed' })
      const fields = await readFields(req)
      const endpoint = path === '/v1/introspect' ? 'introspect' : path === '/v1/verify' ? 'verify' : 'destroy'
      if (endpoint === 'destroy') calls.destroy.push(fields)
      else calls[endpoint] += 1
      return (await failures.apply(endpoint, res)) ? undefined : oauthApi[endpoint](req, res, fields)
    }
    if (/^\/interaction\/[^/]+$/.test(path)) return deps.loginPage(req, res)
    return delegate(req, res)
  }

  return (req, res) => {
    route(req, res).catch((error: unknown) => {
      deps.logError(`fake FxA: ${req.method} ${req.url} failed`, error)
      if (!res.headersSent) sendJson(res, 500, { code: 500, errno: 999, error: 'Internal Server Error' })
      else res.destroy()
    })
  }
}
