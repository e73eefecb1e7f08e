import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import { adminRevokeRoutes } from './admin/revoke.ts'
import { assertionSignersFromConfig, createJwksHandler } from './assertion/setup.ts'
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
import { createErrorHandler, replyError } from './http/error-reply.ts'
import { compileTrustedPeers } from './http/trusted-peers.ts'
import type { Fetch } from './identity/http.ts'
import { createProfileFetcher } from './identity/profile-api.ts'
import { createProvider } from './identity/provider.ts'
import { loginRoutes } from './login/plugin.ts'
import { createMemoryNodeStore } from './nodes/memory-node-store.ts'
import { createPlacement } from './nodes/placement.ts'
import type { NodeStore } from './nodes/types.ts'
import { buildAdminApp } from './observability/admin.ts'
import type { Logger } from './observability/logger.ts'
import { createMetrics, type Metrics } from './observability/metrics.ts'
import type { TransportDeps } from './pipeline/deps.ts'
import { createPipeline } from './pipeline/pipeline.ts'
import { sidecarProxy } from './proxy/plugin.ts'
import { compileReturnUrlPolicy } from './redirect/return-url.ts'
import { compileServices } from './services/registry.ts'
import { createServiceTokens } from './services/service-token.ts'
import { type CredentialMarkReader, NO_MARKS, serviceTokenRoutes } from './services/token-routes.ts'
import { createSessions } from './session/sessions.ts'
import type { SessionStore } from './session/types.ts'

export interface GateDeps {
  readonly store: SessionStore
  /** Shared bearer-token results; in-memory when absent. */
  readonly tokenStore?: TokenStore
  /** What account events remember (processed ids, change times); in-memory when absent. */
  readonly eventState?: EventStateStore
  /** The services' node assignments; in-memory (one replica) when absent. */
  readonly nodeStore?: NodeStore
  /** Per-user password-change high-water marks, when kept; service tokens issued before are refused. */
  readonly marks?: CredentialMarkReader
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
  const services = compileServices(config)
  const placement = createPlacement({
    store: deps.nodeStore ?? createMemoryNodeStore(),
    services,
    metrics,
    logger: deps.logger,
    clock,
  })
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
  // A deleted account's places on the services' nodes are freed for others.
  events.accounts.onUserRevoked((uid, reason) =>
    reason === 'delete_user' ? placement.releaseUser(uid) : undefined,
  )
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
    services,
    placement,
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
  const authenticator = createAuthenticator({ tokens, sessions, cookieName: config.cookie.sessionName })
  const assertions = assertionSignersFromConfig(config, services, { clock, metrics, logger: deps.logger })
  const transports: TransportDeps = {
    config,
    pipeline: createPipeline({ authenticator, policy: compilePolicy(config), services, placement }),
    authenticator,
    metrics,
    identityHeaders: compileIdentityHeaders(config.identityHeaderPrefix),
    assertions,
    trustedPeer: compileTrustedPeers(config.trustedProxies),
    clock,
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
  })
  // Slow clients may not hold a connection open by trickling headers (THREATS §7).
  app.server.headersTimeout = 15_000
  app.setErrorHandler(createErrorHandler(metrics))
  app.setNotFoundHandler((request, reply) => replyError(request, reply, new GateError('NOT_FOUND')))
  app.register(loginRoutes, ctx)
  app.register(forwardAuthRoutes, transports)
  if (config.eventsEnabled) app.register(accountEventRoutes, ctx)
  app.register(serviceTokenRoutes, {
    config,
    services,
    authenticator,
    placement,
    tokens: createServiceTokens(assertions, config.clientId, clock),
    marks: deps.marks ?? NO_MARKS,
    metrics,
  })
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
      void placement.start()
    },
    async close() {
      stopDiscovery?.()
      placement.close()
      await Promise.allSettled([app.close(), admin.close()])
      ctx.sessions.close()
      tokens.close()
      await events.close()
    },
  }
}
