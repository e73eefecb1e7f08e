import { ERRORS } from '../errors.ts'
import type { SetRejection } from '../events/verify-set.ts'

/**
 * The `endpoint` label: a closed set, so a client cannot mint series. The first four are the
 * transports that ask `decide()`.
 */
export const ENDPOINTS = [
  'nginx',
  'traefik',
  'envoy',
  'sidecar',
  'login',
  'callback',
  'logout',
  'userinfo',
  'events',
  'other',
] as const
export type Endpoint = (typeof ENDPOINTS)[number]
export type DecisionEndpoint = 'nginx' | 'traefik' | 'envoy' | 'sidecar'

export const DEPENDENCIES = ['redis', 'fxa', 'upstream'] as const
export type Dependency = (typeof DEPENDENCIES)[number]

/** HTTP statuses fxa-gate itself answers with; their series exist from the start. */
const OWN_STATUSES = [
  ...new Set(['200', '302', '303', ...Object.values(ERRORS).map(({ status }) => String(status))]),
].sort()

const ERROR_CODES = Object.keys(ERRORS)
const LOGIN_OUTCOMES = [
  'started',
  'succeeded',
  'LOGIN_STATE_MISSING',
  'LOGIN_STATE_MISMATCH',
  'LOGIN_CALLBACK_INVALID',
  'LOGIN_DENIED',
  'LOGIN_CODE_REJECTED',
  'ID_TOKEN_INVALID',
  'PROFILE_TOO_LARGE',
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_ERROR',
  'STORE_UNAVAILABLE',
  'INTERNAL',
]
const SET_REJECTIONS = [
  'missing',
  'malformed',
  'algorithm',
  'unknown_key',
  'signature',
  'issuer',
  'audience',
  'issued_in_future',
  'expired',
  'claims',
  'not_a_set',
] satisfies SetRejection[]

/**
 * A label's values: `values` are the series created at start (every combination of them, so a
 * counter's first increment is seen by `rate()`); `open` when others can appear (an error code, an
 * upstream's status), always from a bounded set.
 */
export interface LabelSpec {
  readonly values: readonly string[]
  readonly open?: boolean
}

export interface MetricSpec {
  readonly type: 'counter' | 'gauge' | 'histogram'
  readonly help: string
  readonly labels?: Readonly<Record<string, LabelSpec>>
  readonly buckets?: readonly number[]
  /** Series are made when a dependency is configured (gauges that would otherwise lie). */
  readonly initial?: 'none'
}

const closed = (values: readonly string[]): LabelSpec => ({ values })
const open = (values: readonly string[]): LabelSpec => ({ values, open: true })

/** Seconds, from 0.5 ms (a cached decision) to 10 s (a timed-out dependency). */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
/** Seconds from a revocation's origin to the sessions being gone: from sub-second to an hour. */
const PROPAGATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600]

/**
 * Every metric fxa-gate exports besides the runtime's defaults, by name. docs/metrics.md is
 * generated from this table and test/unit/observability checks the `/metrics` output against a
 * golden list, so a change here is a change of the contract with dashboards and alerts.
 */
export const METRICS = {
  fxa_gate_build_info: {
    type: 'gauge',
    help: 'Always 1; the labels say which fxa-gate and Node.js versions run',
    labels: { version: open([]), node: open([]) },
    initial: 'none',
  },
  fxa_gate_http_requests_total: {
    type: 'counter',
    help: 'Requests answered on the main listener, by endpoint and HTTP status (499: the client went away first)',
    labels: { endpoint: closed(ENDPOINTS), code: open(OWN_STATUSES) },
  },
  fxa_gate_http_request_duration_seconds: {
    type: 'histogram',
    help: 'Time from the request to the end of its answer (a proxied body included), by endpoint and status',
    labels: { endpoint: closed(ENDPOINTS), code: open([]) },
    buckets: LATENCY_BUCKETS,
    initial: 'none',
  },
  fxa_gate_http_requests_in_flight: {
    type: 'gauge',
    help: 'Requests being answered now on the main listener (open proxied streams and websockets included)',
  },
  fxa_gate_fast_path_requests_total: {
    type: 'counter',
    help: 'Allowed requests answered on the fast path (decided from memory, without fastify), by transport endpoint',
    labels: { endpoint: closed(['nginx', 'traefik', 'envoy', 'sidecar']) },
  },
  fxa_gate_decisions_total: {
    type: 'counter',
    help: 'Authorization decisions by transport endpoint (nginx, traefik, envoy, sidecar) and result',
    labels: {
      endpoint: closed(['nginx', 'traefik', 'envoy', 'sidecar']),
      result: closed(['allow', 'unauthenticated', 'forbidden']),
    },
  },
  fxa_gate_dependency_request_duration_seconds: {
    type: 'histogram',
    help: 'Latency of calls to the shared Redis (per store operation), FxA (per API) and the sidecar upstream (to response headers)',
    labels: { dependency: closed(DEPENDENCIES), operation: open([]) },
    buckets: LATENCY_BUCKETS,
    initial: 'none',
  },
  fxa_gate_dependency_up: {
    type: 'gauge',
    help: 'Whether a configured dependency answers (1) or not (0), from calls and a probe every few seconds; not part of readiness',
    labels: { dependency: closed(DEPENDENCIES) },
    initial: 'none',
  },
  fxa_gate_cache_hits_total: {
    type: 'counter',
    help: 'Lookups answered by an in-process cache: session (records, pub/sub invalidated) or bearer (token results)',
    labels: { cache: closed(['session', 'bearer']) },
  },
  fxa_gate_cache_misses_total: {
    type: 'counter',
    help: 'Lookups the in-process cache could not answer, so the shared store (or FxA) was asked',
    labels: { cache: closed(['session', 'bearer']) },
  },
  fxa_gate_sessions_active: {
    type: 'gauge',
    help: 'Estimated distinct sessions used in the last 15 minutes, across every replica sharing the store (HyperLogLog in Redis, about ±1%)',
  },
  fxa_gate_revocation_propagation_seconds: {
    type: 'histogram',
    help: "Time from a revocation's origin (FxA's change time or the event's issue time; the operator's request) until this replica had ended the user's sessions in the store, by reason",
    labels: { reason: closed(['password_change', 'delete_user', 'operator']) },
    buckets: PROPAGATION_BUCKETS,
    initial: 'none',
  },
  fxa_gate_user_revocations_total: {
    type: 'counter',
    help: 'Users whose sessions and cached token results were revoked, by reason',
    labels: { reason: closed(['password_change', 'delete_user', 'operator']) },
  },
  fxa_gate_logins_total: {
    type: 'counter',
    help: 'Logins by outcome (started, succeeded, or the error code that ended them)',
    labels: { outcome: open(LOGIN_OUTCOMES) },
  },
  fxa_gate_logouts_total: { type: 'counter', help: 'Logouts of an existing session' },
  fxa_gate_sessions_created_total: { type: 'counter', help: 'Sessions created' },
  fxa_gate_sessions_ended_total: {
    type: 'counter',
    help: 'Sessions ended by reason (logout, replaced by a new login, revoked, refresh_refused by the provider)',
    labels: { reason: closed(['logout', 'replaced', 'revoked', 'refresh_refused']) },
  },
  fxa_gate_session_refreshes_total: {
    type: 'counter',
    help: 'Session revalidations with the provider by outcome (refreshed, refused: the session ended, checked: no refresh token to use)',
    labels: { outcome: closed(['refreshed', 'refused', 'checked']) },
  },
  fxa_gate_session_refresh_failures_total: {
    type: 'counter',
    help: 'Session revalidations that failed and will be retried with back-off, by reason (unavailable, error, profile, store)',
    labels: { reason: closed(['unavailable', 'error', 'profile', 'store']) },
  },
  fxa_gate_token_destructions_total: {
    type: 'counter',
    help: "Ended sessions' provider tokens, by outcome (destroyed, failed: retried later, abandoned)",
    labels: { outcome: closed(['destroyed', 'failed', 'abandoned']) },
  },
  fxa_gate_credential_mark_refusals_total: {
    type: 'counter',
    help: "Bearer tokens refused because they were issued before the user's last password change",
  },
  fxa_gate_session_lookups_total: {
    type: 'counter',
    help: 'Session lookups by result (cache_hit, store_hit, missing, invalid_cookie)',
    labels: { result: closed(['cache_hit', 'store_hit', 'missing', 'invalid_cookie']) },
  },
  fxa_gate_provider_requests_total: {
    type: 'counter',
    help: 'Calls to the identity provider (logins, refreshes, token destruction), by operation and outcome (ok or an error code)',
    labels: {
      operation: closed(['discovery', 'token', 'refresh', 'profile', 'destroy']),
      outcome: open(['ok']),
    },
  },
  fxa_gate_store_errors_total: {
    type: 'counter',
    help: 'Session store operations that failed (store unreachable)',
  },
  fxa_gate_store_invalid_records_total: {
    type: 'counter',
    help: 'Invalid data found in Redis and deleted or repaired (log code STORE_RECORD_INVALID), by kind and problem',
    labels: {
      kind: closed([
        'session',
        'user_index',
        'token',
        'token_index',
        'event',
        'event_user',
        'node',
        'credential_mark',
        'revalidation_lock',
      ]),
      problem: closed(['unparsable', 'schema', 'mac', 'wrong_type']),
    },
  },
  fxa_gate_upstream_errors_total: {
    type: 'counter',
    help: 'Sidecar requests the upstream failed, by reason',
    labels: { reason: closed(['refused', 'timeout', 'reset', 'aborted_response', 'other']) },
  },
  fxa_gate_websockets_open: { type: 'gauge', help: 'Websocket connections proxied to the upstream now' },
  fxa_gate_websockets_revoked_total: {
    type: 'counter',
    help: 'Open websockets ended because their credentials stopped being valid',
  },
  fxa_gate_assertions_signed_total: {
    type: 'counter',
    help: 'X-User-Assertion tokens signed (the rest are served from the cache)',
  },
  fxa_gate_bearer_checks_total: {
    type: 'counter',
    help: 'Bearer token lookups by source (local_hit, shared_hit, provider, provider_failed, rationed, breaker_open)',
    labels: {
      source: closed(['local_hit', 'shared_hit', 'provider', 'provider_failed', 'rationed', 'breaker_open']),
    },
  },
  fxa_gate_event_tokens_total: {
    type: 'counter',
    help: 'FxA Security Event Tokens received, by outcome (processed, replayed, in_progress, failed, or rejected_<reason>)',
    labels: {
      outcome: closed([
        'processed',
        'replayed',
        'in_progress',
        'failed',
        ...SET_REJECTIONS.map((reason) => `rejected_${reason}`),
      ]),
    },
  },
  fxa_gate_account_events_total: {
    type: 'counter',
    help: 'FxA account events by name and outcome (applied, ignored, stale)',
    labels: {
      event: open([
        'password-change',
        'delete-user',
        'profile-change',
        'subscription-state-change',
        'metrics-opt-in',
        'metrics-opt-out',
        'unknown',
      ]),
      outcome: closed(['applied', 'ignored', 'stale']),
    },
  },
  fxa_gate_event_webhook_deliveries_total: {
    type: 'counter',
    help: 'delete-user webhook calls by outcome',
    labels: { outcome: closed(['delivered', 'retried', 'failed']) },
  },
  fxa_gate_request_errors_total: {
    type: 'counter',
    help: 'Requests answered with an error, by error code (see docs/errors.md)',
    labels: { code: closed(ERROR_CODES) },
  },
  fxa_gate_ready: {
    type: 'gauge',
    help: 'What /readyz answers: 1 when started and not draining (and, with FXA_GATE_READINESS_DEPENDENCIES, its dependencies up)',
  },
  fxa_gate_secret_reloads_total: {
    type: 'counter',
    help: 'Changes of *_FILE secrets seen at run time: applied, or rejected (the previous secrets stay in force)',
    labels: { outcome: closed(['applied', 'rejected']) },
  },
  fxa_gate_service_node_users: {
    type: 'gauge',
    help: 'Users assigned to each node of each service, as the shared store counts them (read every 10 s; every replica reports the same value: aggregate with max)',
    labels: { service: open([]), node: open([]) },
    initial: 'none',
  },
  fxa_gate_service_node_capacity: {
    type: 'gauge',
    help: 'Most users each node of each service may hold',
    labels: { service: open([]), node: open([]) },
    initial: 'none',
  },
  fxa_gate_service_node_up: {
    type: 'gauge',
    help: '1 for a node that takes users, 0 for one an operator downed',
    labels: { service: open([]), node: open([]) },
    initial: 'none',
  },
  fxa_gate_service_node_assignments_total: {
    type: 'counter',
    help: 'Users placed on a node by this replica, by service, node and kind (new: a first node; moved: their node was downed or removed); series for every node known',
    labels: { service: open([]), node: open([]), kind: closed(['new', 'moved']) },
    initial: 'none',
  },
  fxa_gate_service_node_refusals_total: {
    type: 'counter',
    help: 'Requests answered 503 because no node of the service could take a new user (full, downed, or no capacity released yet); series for every configured service',
    labels: { service: open([]) },
    initial: 'none',
  },
  fxa_gate_service_tokens_total: {
    type: 'counter',
    help: 'Service tokens issued at <prefix>/token/<service>; series for every configured service',
    labels: { service: open([]) },
    initial: 'none',
  },
} as const satisfies Record<string, MetricSpec>

export type MetricName = keyof typeof METRICS
