import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAccountActions } from './account.ts'
import { fxaDiscovery, withoutIssInAuthorizationResponse } from './discovery.ts'
import { createFailureSwitch } from './failures.ts'
import { generateSigningKeys, signSecurityEventToken } from './keys.ts'
import { createLoginPage } from './login-page.ts'
import { createMemoryStore } from './memory-store.ts'
import { createOauthApi } from './oauth-api.ts'
import { createProfileRoute } from './profile.ts'
import { createAccessTokenTtls, createFxaProvider } from './provider.ts'
import { createRequestListener } from './server.ts'
import { fxaTokenResponse } from './token-response.ts'
import { createTokenBook } from './tokens.ts'
import type { FakeFxa, FakeFxaCalls, FakeFxaOptions } from './types.ts'
import { createUserDirectory } from './users.ts'

export { type CookieJar, createCookieJar, type FetchLike, loginWithForm } from './drive.ts'
export { grantCovers, scopeImplies } from './scopes.ts'
export type {
  EventOptions,
  FailureMode,
  FakeAccountActions,
  FakeClient,
  FakeFxa,
  FakeFxaCalls,
  FakeFxaOptions,
  FakeUser,
  IssueAccessTokenInput,
  SignSetInput,
} from './types.ts'
export { uidForEmail } from './users.ts'

/**
 * Starts a fake Mozilla accounts server (issuer, OAuth API and profile API on one origin) that
 * reproduces FxA's protocol quirks. Dev and test only: nothing under src/ may import it.
 */
export async function startFakeFxa(options: FakeFxaOptions): Promise<FakeFxa> {
  const clients = new Map(validateClients(options).map((client) => [client.clientId, client]))
  const host = options.host ?? '127.0.0.1'
  const logError = options.logError ?? ((message, error) => console.error(message, error))
  const calls: FakeFxaCalls = {
    authorization: 0,
    token: 0,
    refresh: 0,
    profile: 0,
    introspect: 0,
    verify: 0,
    destroy: [],
  }
  const users = createUserDirectory(options.users)
  const failures = createFailureSwitch()
  const store = createMemoryStore()
  const keys = await generateSigningKeys()

  // The issuer names the port, so the server listens before the provider exists.
  let listener: ReturnType<typeof createRequestListener> = (_req, res) => {
    res.writeHead(503).end()
  }
  const server = createServer((req, res) => listener(req, res))
  await listen(server, options.port ?? 0, host)
  const { port } = server.address() as AddressInfo
  const issuer = (options.issuer ?? `http://${urlHost(host)}:${port}`).replace(/\/+$/, '')

  const accessTokenTtls = createAccessTokenTtls(options.accessTokenTtlSeconds ?? 3600, [...clients.values()])
  const provider = createFxaProvider({
    issuer,
    clients: [...clients.values()],
    scopes: options.scopes ?? [],
    accessTokenTtls,
    keys,
    store,
    users,
    logError,
  })
  provider.use(fxaDiscovery)
  provider.use(withoutIssInAuthorizationResponse)
  provider.use(fxaTokenResponse({ keys, users, clients, calls, tokenPath: '/v1/token' }))
  const tokens = createTokenBook(provider, store, users)
  listener = createRequestListener({
    provider,
    clients,
    calls,
    failures,
    oauthApi: createOauthApi({ tokens, clients, users }),
    profile: createProfileRoute({ tokens, issuer }),
    loginPage: createLoginPage({ provider, users }),
    logError,
  })

  const firstClient = [...clients.keys()][0] ?? ''
  const signSet = (input: Parameters<FakeFxa['signSet']>[0]) =>
    signSecurityEventToken(keys, { iss: issuer, aud: firstClient }, input)
  return {
    issuer,
    oauthUrl: `${issuer}/v1`,
    profileUrl: `${issuer}/v1`,
    port,
    calls,
    users: users.users,
    userByEmail: users.byEmail,
    setFailure: failures.set,
    signSet,
    issueAccessToken: tokens.issueAccessToken,
    issueRefreshToken: tokens.issueRefreshToken,
    setAccessTokenTtl: accessTokenTtls.set,
    account: createAccountActions({ users, tokens, clients, signSet, clock: Date.now }),
    liveRefreshTokens: tokens.liveRefreshTokens,
    stop: () => stopListening(server),
    start: () => (server.listening ? Promise.resolve() : listen(server, port, host)),
    close: () => stopListening(server),
  }
}

function validateClients(options: FakeFxaOptions) {
  const problems: string[] = []
  if (options.clients.length === 0) problems.push('at least one client is required')
  const seen = new Set<string>()
  for (const client of options.clients) {
    if (seen.has(client.clientId)) problems.push(`client ${client.clientId} is registered twice`)
    if (client.redirectUris.length === 0) problems.push(`client ${client.clientId} has no redirect URI`)
    seen.add(client.clientId)
  }
  if (problems.length > 0) throw new TypeError(`fake FxA: ${problems.join('; ')}`)
  return options.clients
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

function stopListening(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve()
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    server.closeAllConnections()
  })
}
