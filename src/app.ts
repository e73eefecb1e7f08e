import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import { adminRevokeRoutes } from './admin/revoke.ts'
import { assertionSignerFromConfig, createJwksHandler } from './assertion/setup.ts'
import { createTokenChecker } from './bearer/token-checker.ts'
import { createMemoryTokenStore, type TokenStore } from './bearer/token-store.ts'
import type { Config } from './config/derive.ts'
import type { GateContext } from './context.ts'
import { deriveKeyring } from './crypto/keyring.ts'
import { createAuthenticator } from './decision/credentials.ts'
import { compilePolicy } from './decision/policy.ts'
import { GateError } from './errors.ts'
import { createMemoryEventState, type EventStateStore } from './events/event-state.ts'
import { accountEventRoutes } from './events/plugin.ts'
import { setUpAccountEvents } from './events/setup.ts'
import { forwardAuthRoutes } from './forward-auth/plugin.ts'
import { compileIdentityHeaders } from './headers/identity-headers.ts'
import { handleClientError } from './http/connection-errors.ts'
import { createErrorHandler, replyError, usePages } from './http/error-reply.ts'
import { guardListener } from './http/listener.ts'
import { compileTrustedPeers } from './http/trusted-peers.ts'
import type { Fetch } from './identity/http.ts'
import { createProfileFetcher } from './identity/profile-api.ts'
import { createProvider } from './identity/provider.ts'
import { loginRoutes } from './login/plugin.ts'
import { buildAdminApp } from './observability/admin.ts'
import type { Logger } from './observability/logger.ts'
import { createMetrics, type Metrics } from './observability/metrics.ts'
import { createPages } from './pages/pages.ts'
import type { TransportDeps } from './pipeline/deps.ts'
import { createPipeline } from './pipeline/pipeline.ts'
import { sidecarProxy } from './proxy/plugin.ts'
import { compileReturnUrlPolicy } from './redirect/return-url.ts'
import { createSessions } from './session/sessions.ts'
import type { SessionStore } from './session/types.ts'
import { userSessionsRoutes } from './user-sessions/plugin.ts'

export interface GateDeps {
  readonly store: SessionStore
  /** Shared bearer-token results; in-memory when absent. */
  readonly tokenStore?: TokenStore
  /** What account events remember (processed ids, change times); in-memory when absent. */
  readonly eventState?: EventStateStore
  readonly logger: Logger
  readonly metrics?: Metrics
  readonly fetch?: Fetch
  readonly clock?: () => number
}

export interface Gate {
  readonly app: FastifyInstance
  readonly admin: FastifyInstance
  readonly ctx: GateContext
  /** Starts background work (discovery retries). */
  start(): void
  close(): Promise<void>
}

/** Builds fxa-gate from a frozen configuration and its dependencies. Listens on nothing. */
export function buildGate(config: Config, deps: GateDeps): Gate {
  const metrics = deps.metrics ?? createMetrics()
  const clock = deps.clock ?? Date.now
  const keys = {
    cookie: deriveKeyring(config.cookieSecrets, 'session-cookie'),
    seal: deriveKeyring(config.cookieSecrets, 'token-seal'),
    login: deriveKeyring(config.cookieSecrets, 'login-state'),
  }
  const sessions = createSessions({
    store: deps.store,
    cookieKeys: keys.cookie,
    sealKeys: keys.seal,
    metrics,
    clock,
    absoluteTtlMs: config.sessionAbsoluteTtl,
    idleTtlMs: config.sessionIdleTtl,
    cacheTtlMs: config.sessionCacheTtl,
  })
  const provider = createProvider({ config, logger: deps.logger, metrics, fetch: deps.fetch })
  // Reads the templates and locales (the operator's too) once; a broken one stops the start here.
  const pages = createPages(config)
  const tokenStore = deps.tokenStore ?? createMemoryTokenStore(clock)
  const events = setUpAccountEvents(config, {
    store: deps.store,
    sessions,
    provider,
    eventState: deps.eventState ?? createMemoryEventState({ clock }),
    logger: deps.logger,
    metrics,
    clock,
    fetch: deps.fetch,
  })
  // A revoked user's cached bearer-token results go too, in every replica (the token store tells them).
  events.accounts.onUserRevoked((uid) => tokenStore.dropUser(uid))
  const ctx: GateContext = {
    config,
    logger: deps.logger,
    metrics,
    clock,
    store: deps.store,
    keys,
    sessions,
    provider,
    accounts: events.accounts,
    accountEvents: events.receive,
    pages,
    returnUrls: compileReturnUrlPolicy({
      publicUrl: config.publicUrl,
      allowedHosts: config.allowedRedirectHosts,
      defaultRedirect: config.defaultRedirect,
    }),
  }
  const tokens = createTokenChecker({
    config,
    store: tokenStore,
    fetch: deps.fetch ?? globalThis.fetch,
    fetchProfile: createProfileFetcher({
      config,
      discover: provider.discover,
      fetch: deps.fetch,
      timeoutMs: config.bearerTimeout,
    }),
    clock,
    metrics,
    logger: deps.logger,
  })
  const trustedPeer = compileTrustedPeers(config.trustedProxies)
  const authenticator = createAuthenticator({
    tokens,
    sessions,
    cookieName: config.cookie.sessionName,
    trustedPeer,
  })
  const assertions = assertionSignerFromConfig(config, { clock, metrics, logger: deps.logger })
  const transports: TransportDeps = {
    config,
    pipeline: createPipeline({ authenticator, policy: compilePolicy(config) }),
    authenticator,
    metrics,
    identityHeaders: compileIdentityHeaders(config.identityHeaderPrefix),
    assertions,
    trustedPeer,
    clock,
    pages,
  }

  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request: it cost more than the auth decision. Denials and errors are
    // logged with their own context.
    childLoggerFactory: (logger) => logger,
    requestIdHeader: false,
    return503OnClosing: true,
    keepAliveTimeout: 72_000,
    bodyLimit: 1024 * 1024,
    clientErrorHandler: handleClientError,
  })
  // Slow clients may not hold a connection open by trickling headers or a body (THREATS §7).
  guardListener(app, config, metrics)
  usePages(app, pages)
  app.setErrorHandler(createErrorHandler(metrics))
  app.setNotFoundHandler((request, reply) => replyError(request, reply, new GateError('NOT_FOUND')))
  app.register(loginRoutes, ctx)
  app.register(userSessionsRoutes, ctx)
  app.register(forwardAuthRoutes, transports)
  if (config.eventsEnabled) app.register(accountEventRoutes, ctx)
  const jwks = createJwksHandler(assertions)
  app.get(`${config.prefix}/jwks.json`, jwks)
  // Sidecar mode: everything outside the prefix is decided on, then proxied to the upstream.
  if (config.upstream !== undefined) app.register(sidecarProxy, transports)

  const admin = buildAdminApp(ctx)
  admin.get('/jwks.json', jwks)
  admin.register(adminRevokeRoutes, ctx)
  let stopDiscovery: (() => void) | undefined

  return {
    app,
    admin,
    ctx,
    start() {
      stopDiscovery = ctx.provider.start()
    },
    async close() {
      stopDiscovery?.()
      await Promise.allSettled([app.close(), admin.close()])
      ctx.sessions.close()
      tokens.close()
      await events.close()
    },
  }
}
