import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

/**
 * Every metric fxa-gate exports, created once per app on its own registry (no global state, so
 * tests can build several apps in one process). test/unit/observability checks the names against
 * a golden list.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry()
  if (options.defaultMetrics !== false)
    collectDefaultMetrics({ register: registry, prefix: 'fxa_gate_process_' })
  const registers = [registry]
  return {
    registry,
    logins: new Counter({
      name: 'fxa_gate_logins_total',
      help: 'Logins by outcome (started, succeeded, or the error code that ended them)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    logouts: new Counter({
      name: 'fxa_gate_logouts_total',
      help: 'Logouts of an existing session',
      registers,
    }),
    sessionsCreated: new Counter({
      name: 'fxa_gate_sessions_created_total',
      help: 'Sessions created',
      registers,
    }),
    sessionsEnded: new Counter({
      name: 'fxa_gate_sessions_ended_total',
      help: 'Sessions ended by reason (logout, revoked)',
      labelNames: ['reason'] as const,
      registers,
    }),
    sessionLookups: new Counter({
      name: 'fxa_gate_session_lookups_total',
      help: 'Session lookups by result (cache_hit, store_hit, missing, invalid_cookie)',
      labelNames: ['result'] as const,
      registers,
    }),
    providerRequests: new Counter({
      name: 'fxa_gate_provider_requests_total',
      help: 'Calls to the identity provider by operation and outcome',
      labelNames: ['operation', 'outcome'] as const,
      registers,
    }),
    providerLatency: new Histogram({
      name: 'fxa_gate_provider_request_seconds',
      help: 'Latency of calls to the identity provider',
      labelNames: ['operation'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    storeErrors: new Counter({
      name: 'fxa_gate_store_errors_total',
      help: 'Session store operations that failed (store unreachable)',
      registers,
    }),
    decisions: new Counter({
      name: 'fxa_gate_decisions_total',
      help: 'Authorization decisions by endpoint (nginx, traefik, envoy, sidecar) and result (allow, unauthenticated, forbidden)',
      labelNames: ['endpoint', 'result'] as const,
      registers,
    }),
    upstreamErrors: new Counter({
      name: 'fxa_gate_upstream_errors_total',
      help: 'Sidecar requests the upstream failed, by reason (refused, timeout, reset, aborted_response, other)',
      labelNames: ['reason'] as const,
      registers,
    }),
    websocketsOpen: new Gauge({
      name: 'fxa_gate_websockets_open',
      help: 'Websocket connections proxied to the upstream now',
      registers,
    }),
    assertionsSigned: new Counter({
      name: 'fxa_gate_assertions_signed_total',
      help: 'X-User-Assertion tokens signed (the rest are served from the cache)',
      registers,
    }),
    bearerChecks: new Counter({
      name: 'fxa_gate_bearer_checks_total',
      help: 'Bearer token lookups by source (local_hit, shared_hit, provider, provider_failed)',
      labelNames: ['source'] as const,
      registers,
    }),
    eventTokens: new Counter({
      name: 'fxa_gate_event_tokens_total',
      help: 'FxA Security Event Tokens received, by outcome (processed, replayed, in_progress, failed, or rejected_<reason>)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    accountEvents: new Counter({
      name: 'fxa_gate_account_events_total',
      help: 'FxA account events by name (password-change, delete-user, profile-change, subscription-state-change, metrics-opt-in, metrics-opt-out, unknown) and outcome',
      labelNames: ['event', 'outcome'] as const,
      registers,
    }),
    userRevocations: new Counter({
      name: 'fxa_gate_user_revocations_total',
      help: 'Users whose sessions and cached token results were revoked, by reason (password_change, delete_user, operator)',
      labelNames: ['reason'] as const,
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'fxa_gate_event_webhook_deliveries_total',
      help: 'delete-user webhook calls by outcome (delivered, retried, failed)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    websocketsRevoked: new Counter({
      name: 'fxa_gate_websockets_revoked_total',
      help: 'Open websockets ended because their credentials stopped being valid',
      registers,
    }),
    serviceNodeUsers: new Gauge({
      name: 'fxa_gate_service_node_users',
      help: 'Users assigned to each node of each service, as the shared store counts them (read every 10 s; every replica reports the same value: aggregate with max)',
      labelNames: ['service', 'node'] as const,
      registers,
    }),
    serviceNodeCapacity: new Gauge({
      name: 'fxa_gate_service_node_capacity',
      help: 'Most users each node of each service may hold',
      labelNames: ['service', 'node'] as const,
      registers,
    }),
    serviceNodeUp: new Gauge({
      name: 'fxa_gate_service_node_up',
      help: '1 for a node that takes users, 0 for one an operator downed',
      labelNames: ['service', 'node'] as const,
      registers,
    }),
    serviceNodeAssignments: new Counter({
      name: 'fxa_gate_service_node_assignments_total',
      help: 'Users placed on a node by this replica, by service, node and kind (new: a first node; moved: their node was downed or removed)',
      labelNames: ['service', 'node', 'kind'] as const,
      registers,
    }),
    serviceNodeRefusals: new Counter({
      name: 'fxa_gate_service_node_refusals_total',
      help: 'Requests answered 503 because no node of the service could take a new user (full, downed, or no capacity released yet)',
      labelNames: ['service'] as const,
      registers,
    }),
    serviceTokens: new Counter({
      name: 'fxa_gate_service_tokens_total',
      help: 'Service tokens issued at <prefix>/token/<service>, by service',
      labelNames: ['service'] as const,
      registers,
    }),
    ready: new Gauge({
      name: 'fxa_gate_ready',
      help: '1 when the store and discovery are available',
      registers,
    }),
    requestErrors: new Counter({
      name: 'fxa_gate_request_errors_total',
      help: 'Requests answered with an error, by error code',
      labelNames: ['code'] as const,
      registers,
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
