import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
  LogController,
} from 'fastify'
import { adminRevokeRoutes } from './admin/revoke.ts'
import { type AssertionSigners, createJwksHandler } from './assertion/setup.ts'
import {
  type CredentialMarkStore,
  createCredentialMarks,
  createMemoryCredentialMarkStore,
} from './bearer/credential-marks.ts'
import { createTokenChecker } from './bearer/token-checker.ts'
import { createMemoryTokenStore, type TokenStore } from './bearer/token-store.ts'
import type { Config } from './config/derive.ts'
import type { GateContext } from './context.ts'
import { createAuthenticator } from './decision/credentials.ts'
import { compilePolicy } from './decision/policy.ts'
import { GateError } from './errors.ts'
import { createMemoryEventState, type EventStateStore } from './events/event-state.ts'
import { accountEventRoutes } from './events/plugin.ts'
import { setUpAccountEvents, webhooksFromConfig } from './events/setup.ts'
import { forwardAuthRoutes } from './forward-auth/plugin.ts'
import { compileIdentityHeaders } from './headers/identity-headers.ts'
import { handleClientError } from './http/connection-errors.ts'
import { createErrorHandler, replyError, usePages } from './http/error-reply.ts'
import { createFastLane } from './http/fast-lane.ts'
import { guardListener } from './http/listener.ts'
import { NO_SCHEMAS } from './http/no-schemas.ts'
import { nodeHttp } from './http/node-http.ts'
import { compileTrustedPeers } from './http/trusted-peers.ts'
import type { Fetch } from './identity/http.ts'
import { createProfileFetcher } from './identity/profile-api.ts'
import { createProvider } from './identity/provider.ts'
import { createLifecycleState, type LifecycleState } from './lifecycle/state.ts'
import { loginRoutes } from './login/plugin.ts'
import { createMemoryNodeStore } from './nodes/memory-node-store.ts'
import { createPlacement } from './nodes/placement.ts'
import type { NodeStore } from './nodes/types.ts'
import { createActiveSessions } from './observability/active-sessions.ts'
import { buildAdminApp } from './observability/admin.ts'
import { createDependencies, type Dependencies } from './observability/dependencies.ts'
import { dependencyProbes } from './observability/dependency-probes.ts'
import { type ExchangeObserver, observeRequests } from './observability/http-observer.ts'
import { instrumentFetch } from './observability/instrument-fetch.ts'
import {
  instrumentEventState,
  instrumentSessionStore,
  instrumentTokenStore,
} from './observability/instrument-stores.ts'
import { createLogLimiter } from './observability/log-limiter.ts'
import type { Logger } from './observability/logger.ts'
import { createMetrics, type Metrics } from './observability/metrics.ts'
import { type RequestScope, requestIdOf } from './observability/request-context.ts'
import { requestLoggerFactory } from './observability/request-logger.ts'
import { TRACING_OFF, type Tracing } from './observability/tracing.ts'
import { createPages } from './pages/pages.ts'
import type { TransportDeps } from './pipeline/deps.ts'
import { createPipeline } from './pipeline/pipeline.ts'
import { sidecarProxy } from './proxy/plugin.ts'
import { compileReturnUrlPolicy } from './redirect/return-url.ts'
import type { RedisLayer } from './redis/layer.ts'
import { createRevocation } from './revocation/revocation.ts'
import { createSecretHolder, type SecretHolder } from './secrets/state.ts'
import { compileServices } from './services/registry.ts'
import { createServiceTokens } from './services/service-token.ts'
import { type CredentialMarkReader, serviceTokenRoutes } from './services/token-routes.ts'
import { createRevalidation } from './session/revalidation.ts'
import { createMemoryRevalidationLocks, type RevalidationLocks } from './session/revalidation-lock.ts'
import { createSessions } from './session/sessions.ts'
import { createTokenReaper } from './session/token-reaper.ts'
import { createMemoryTokenReaperStore, type TokenReaperStore } from './session/token-reaper-store.ts'
import type { SessionStore } from './session/types.ts'
import { userSessionsRoutes } from './user-sessions/plugin.ts'

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
  /** The storage layer behind the shared stores, for the cross-replica active-session count. */
  readonly redis?: RedisLayer | undefined
  /** Revalidation locks, the token reaper's store, credential marks: in memory when absent. */
  readonly revalidationLocks?: RevalidationLocks
  readonly tokenReaperStore?: TokenReaperStore
  readonly credentialMarks?: CredentialMarkStore
  readonly logger: Logger
  /** Give the stores the same registry (storage/open-stores.ts), so /metrics shows theirs too. */
  readonly metrics?: Metrics
  /**
   * The secret state, when the stores read their keys from it too (lifecycle/serve.ts); built from
   * `config` when absent.
   */
  readonly secrets?: SecretHolder
  readonly tracing?: Tracing
  /** The scope whose ids the logger's mixin adds to every line (see createRequestScope). */
  readonly requestScope?: RequestScope
  /** fxa-gate's version (`fxa_gate_build_info`). */
  readonly version?: string
  readonly fetch?: Fetch
  readonly clock?: () => number
  /** The fast path for requests decided from memory (on unless tracing is); off to compare. */
  readonly fastPath?: boolean
}

export interface Gate {
  readonly app: FastifyInstance
  readonly admin: FastifyInstance
  readonly ctx: GateContext
  readonly lifecycle: LifecycleState
  readonly dependencies: Dependencies
  /** Starts background work (discovery retries, dependency probes) and marks the gate started. */
  start(): void
  /**
   * Swaps in the secrets of a configuration reloaded from its `…_FILE` sources (only secret keys
   * differ from the running one). Returns the names of the keys that changed.
   */
  reloadSecrets(config: Config): string[]
  close(): Promise<void>
}

/** Longer than the 60 s idle timeout of common load balancers, so they close first, never we. */
const KEEP_ALIVE_TIMEOUT = 72_000

/** Reads the current signer at each call, so a rotated assertion key applies to the next request. */
function currentSigners(secrets: SecretHolder): AssertionSigners {
  return {
    signerFor: (service) => secrets.current().assertions.signerFor(service),
    get key() {
      return secrets.current().assertions.key
    },
    get issuer() {
      return secrets.current().assertions.issuer
    },
    get jwks() {
      return secrets.current().assertions.jwks
    },
    get ephemeral() {
      return secrets.current().assertions.ephemeral
    },
  }
}

/** Builds fxa-gate from a frozen configuration and its dependencies. Listens on nothing. */
export function buildGate(config: Config, deps: GateDeps): Gate {
  const metrics = deps.metrics ?? createMetrics({ version: deps.version })
  const clock = deps.clock ?? Date.now
  const tracing = deps.tracing ?? TRACING_OFF
  const rawFetch = deps.fetch ?? globalThis.fetch
  const lifecycle = createLifecycleState()
  const dependencies = createDependencies({
    metrics,
    tracing,
    clock,
    probes: dependencyProbes(config, { store: deps.store, fetch: rawFetch }),
  })
  // Every call to FxA is timed and tells whether FxA answers (webhooks are not FxA).
  const fetch = instrumentFetch(rawFetch, dependencies)
  const activeSessions = createActiveSessions({ metrics, clock, redis: deps.redis })
  const shared = deps.store.shared ? dependencies : undefined
  const store = instrumentSessionStore(deps.store, shared, activeSessions)
  const secrets = deps.secrets ?? createSecretHolder(config, { clock, metrics, logger: deps.logger })
  const sealKeys = () => secrets.current().keys.seal
  const provider = createProvider({
    config,
    logger: deps.logger,
    metrics,
    fetch,
    clientSecret: () => secrets.current().clientSecret,
  })
  const reaper = createTokenReaper({
    store: deps.tokenReaperStore ?? createMemoryTokenReaperStore(),
    sessions: store,
    sealKeys,
    destroy: provider.revoke,
    idleTtlMs: config.sessionIdleTtl,
    clock,
    metrics,
    logger: deps.logger,
  })
  const sessions = createSessions({
    store,
    cookieKeys: () => secrets.current().keys.cookie,
    sealKeys,
    metrics,
    clock,
    absoluteTtlMs: config.sessionAbsoluteTtl,
    idleTtlMs: config.sessionIdleTtl,
    cacheTtlMs: config.sessionCacheTtl,
    reaper,
  })
  const revalidation = createRevalidation({
    store,
    sessions,
    locks: deps.revalidationLocks ?? createMemoryRevalidationLocks(clock),
    reaper,
    refresh: provider.refresh,
    fetchProfile: createProfileFetcher({ config, discover: provider.discover, fetch }),
    sealKeys,
    mapping: config,
    intervalMs: config.sessionRevalidateInterval,
    providerTimeoutMs: config.providerTimeout,
    clock,
    metrics,
    logger: deps.logger,
  })
  const marks = createCredentialMarks(deps.credentialMarks ?? createMemoryCredentialMarkStore(clock), clock)
  // Reads the templates and locales (the operator's too) once; a broken one stops the start here.
  const pages = createPages(config, { denialKeys: () => secrets.current().keys.denial })
  const services = compileServices(config)
  const placement = createPlacement({
    store: deps.nodeStore ?? createMemoryNodeStore(),
    services,
    metrics,
    logger: deps.logger,
    clock,
  })
  const baseTokenStore = deps.tokenStore ?? createMemoryTokenStore(clock)
  const tokenStore = shared && deps.tokenStore ? instrumentTokenStore(baseTokenStore, shared) : baseTokenStore
  const baseEventState = deps.eventState ?? createMemoryEventState({ clock })
  const eventState = shared && deps.eventState ? instrumentEventState(baseEventState, shared) : baseEventState
  const webhooks = webhooksFromConfig(config, {
    logger: deps.logger,
    metrics,
    clock,
    fetch: rawFetch,
    secret: () => secrets.current().webhookSecret,
  })
  const revocation = createRevocation({
    sessions: store,
    tokens: tokenStore,
    eventState,
    webhooks,
    marks,
    logger: deps.logger,
    metrics,
    clock,
  })
  // The sessions a revocation ended have their provider tokens destroyed (in the background).
  revocation.onUserRevoked((_uid, _reason, _before, ended) => reaper.ended(ended))
  // A deleted account's places on the services' nodes are freed for others.
  revocation.onUserRevoked((uid, reason) =>
    reason === 'delete_user' ? placement.releaseUser(uid) : undefined,
  )
  const accountEvents = setUpAccountEvents(config, {
    revocation,
    store,
    sessions,
    provider,
    eventState,
    logger: deps.logger,
    metrics,
    clock,
    fetch,
    revalidation,
  })
  const failures = createLogLimiter(deps.logger)
  const ctx: GateContext = {
    config,
    logger: deps.logger,
    metrics,
    clock,
    store,
    get keys() {
      return secrets.current().keys
    },
    secrets,
    sessions,
    provider,
    revocation,
    accountEvents,
    failures,
    pages,
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
    fetch,
    fetchProfile: createProfileFetcher({
      config,
      discover: provider.discover,
      fetch,
      timeoutMs: config.bearerTimeout,
    }),
    clock,
    metrics,
    logger: deps.logger,
    marks,
  })
  const trustedPeer = compileTrustedPeers(config.trustedProxies)
  const authenticator = createAuthenticator({
    tokens,
    sessions,
    cookieName: config.cookie.sessionName,
    trustedPeer,
    revalidation,
  })
  const assertions = currentSigners(secrets)
  // Tracing needs fastify's hooks (a server span around each request): with it on, no fast path.
  const fastLane = createFastLane(config.prefix, { enabled: !tracing.enabled && deps.fastPath !== false })
  let observer: ExchangeObserver | undefined
  const transports: TransportDeps = {
    config,
    pipeline: createPipeline({ authenticator, policy: compilePolicy(config), services, placement }),
    authenticator,
    metrics,
    logger: deps.logger,
    dependencies,
    tracing,
    identityHeaders: compileIdentityHeaders(config.identityHeaderPrefix),
    assertions,
    trustedPeer,
    clock,
    fastLane,
    pages,
  }

  // Set once the observer exists: fastify needs the handler at construction, the observer the app.
  let frameworkError: FastifyServerOptions['frameworkErrors']
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // No pino child per request: it cost more than the auth decision. request.log is a small
    // wrapper that adds the request id (and trace id) to the lines actually written.
    childLoggerFactory: requestLoggerFactory,
    requestIdHeader: false,
    genReqId: requestIdOf,
    // While draining, requests that still arrive on open connections are served (with
    // `Connection: close`), not refused: the load balancer may not have dropped this pod yet.
    return503OnClosing: false,
    // The fast path first (http/fast-lane.ts); fastify's handler for everything it leaves.
    serverFactory: (handler) => {
      const server = nodeHttp.createServer(fastLane.listener(handler, () => observer))
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT
      return server
    },
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT,
    bodyLimit: 1024 * 1024,
    clientErrorHandler: handleClientError,
    // A path the router cannot decode (`/%zz`) is answered before any hook: without this, by
    // fastify's own JSON (echoing the path), with no request id, count or log line.
    frameworkErrors: (error, request, reply) => frameworkError!(error, request, reply),
    schemaController: NO_SCHEMAS,
  })
  // Slow clients may not hold a connection open by trickling headers or a body (THREATS §7).
  guardListener(app, config, metrics)
  const observed = observeRequests(app, {
    metrics,
    logger: deps.logger,
    tracing,
    prefix: config.prefix,
    sidecar: config.upstream !== undefined,
    accessLog: config.accessLog,
    lifecycle,
    scope: deps.requestScope,
  })
  observer = observed
  usePages(app, pages)
  const handleError = createErrorHandler(metrics, failures, { observed: true })
  app.setErrorHandler(handleError)
  frameworkError = (error, request, reply) => {
    observed.track(request, reply)
    handleError.call(app, error, request, reply)
  }
  app.setNotFoundHandler((request, reply) => replyError(request, reply, new GateError('NOT_FOUND')))
  app.register(loginRoutes, ctx)
  app.register(userSessionsRoutes, ctx)
  app.register(forwardAuthRoutes, transports)
  if (config.eventsEnabled) app.register(accountEventRoutes, ctx)
  app.register(serviceTokenRoutes, {
    config,
    services,
    authenticator,
    placement,
    tokens: createServiceTokens(assertions, config.clientId, clock),
    // Service tokens issued before a password change are refused like bearer tokens (#12's marks).
    marks: deps.marks ?? marks,
    metrics,
  })
  const jwks = createJwksHandler(assertions)
  app.get(`${config.prefix}/jwks.json`, jwks)
  // Sidecar mode: everything outside the prefix is decided on, then proxied to the upstream.
  if (config.upstream !== undefined) app.register(sidecarProxy, transports)

  const admin = buildAdminApp(ctx, lifecycle, dependencies)
  admin.get('/jwks.json', jwks)
  admin.register(adminRevokeRoutes, ctx)
  const stops: (() => void)[] = []
  // Often enough to see an idle session's expiry soon after it happens, never more than every second.
  const sweepEvery = Math.max(
    1000,
    Math.min(30_000, config.sessionRevalidateInterval, Math.floor(config.sessionIdleTtl / 2)),
  )

  return {
    app,
    admin,
    ctx,
    lifecycle,
    dependencies,
    start() {
      stops.push(ctx.provider.start(), dependencies.start(), activeSessions.start(), reaper.start(sweepEvery))
      void placement.start()
      lifecycle.markStarted()
    },
    reloadSecrets: (next) => secrets.replace(next),
    async close() {
      for (const stop of stops.splice(0)) stop()
      placement.close()
      await Promise.allSettled([app.close(), admin.close()])
      await revalidation.settled()
      ctx.sessions.close()
      tokens.close()
      await webhooks?.close()
      failures.close()
    },
  }
}
