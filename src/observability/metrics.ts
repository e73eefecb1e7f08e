import { Gauge } from 'prom-client'
import { type LabelSpec, METRICS, type MetricName, type MetricSpec } from './metric-definitions.ts'
import { createRegistry } from './registry.ts'
import { FastCounter, FastHistogram } from './series.ts'

type Spec<N extends MetricName> = (typeof METRICS)[N]
type CounterName = { [N in MetricName]: Spec<N>['type'] extends 'counter' ? N : never }[MetricName]
type HistogramName = { [N in MetricName]: Spec<N>['type'] extends 'histogram' ? N : never }[MetricName]
type GaugeName = { [N in MetricName]: Spec<N>['type'] extends 'gauge' ? N : never }[MetricName]
type LabelsOf<N extends MetricName> = Spec<N> extends { labels: infer L } ? Extract<keyof L, string> : never

function labelNames(spec: MetricSpec): string[] {
  return Object.keys(spec.labels ?? {})
}

/** Every combination of the labels' initial values. */
function combinations(labels: readonly LabelSpec[]): string[][] {
  return labels.reduce<string[][]>(
    (partial, label) => partial.flatMap((values) => label.values.map((value) => [...values, value])),
    [[]],
  )
}

/**
 * Every metric fxa-gate exports, created once per app on its own registry (no global state, so
 * tests can build several apps in one process). Names, help and labels come from
 * metric-definitions.ts; the runtime's default metrics keep their standard names
 * (`process_cpu_seconds_total`, `nodejs_eventloop_lag_seconds`, …) so stock Node.js dashboards work.
 */
export function createMetrics(options: { defaultMetrics?: boolean; version?: string } = {}) {
  const registry = createRegistry(options)

  const counter = <N extends CounterName>(name: N) => {
    const spec: MetricSpec = METRICS[name]
    const metric = new FastCounter(name, spec.help, labelNames(spec), registry)
    if (spec.labels !== undefined && spec.initial !== 'none')
      for (const values of combinations(Object.values(spec.labels))) metric.labels(...values)
    return metric as FastCounter & { readonly labelNames: readonly LabelsOf<N>[] }
  }
  const histogram = <N extends HistogramName>(name: N) => {
    const spec: MetricSpec = METRICS[name]
    return new FastHistogram(name, spec.help, labelNames(spec), spec.buckets ?? [], registry)
  }
  const gauge = <N extends GaugeName>(name: N, collect?: (this: Gauge<LabelsOf<N>>) => void) => {
    const spec: MetricSpec = METRICS[name]
    return new Gauge<LabelsOf<N>>({
      name,
      help: spec.help,
      labelNames: labelNames(spec) as LabelsOf<N>[],
      registers: [registry],
      ...(collect ? { collect } : {}),
    })
  }

  /** Requests on the main listener being answered now; read at scrape time. */
  const inFlight = { value: 0 }
  const buildInfo = gauge('fxa_gate_build_info')
  buildInfo.set({ version: options.version ?? 'unknown', node: process.versions.node }, 1)

  return {
    registry,
    inFlight,
    httpInFlight: gauge('fxa_gate_http_requests_in_flight', function () {
      this.set(inFlight.value)
    }),
    httpRequests: counter('fxa_gate_http_requests_total'),
    httpDuration: histogram('fxa_gate_http_request_duration_seconds'),
    decisions: counter('fxa_gate_decisions_total'),
    fastPath: counter('fxa_gate_fast_path_requests_total'),
    dependencyDuration: histogram('fxa_gate_dependency_request_duration_seconds'),
    dependencyUp: gauge('fxa_gate_dependency_up'),
    cacheHits: counter('fxa_gate_cache_hits_total'),
    cacheMisses: counter('fxa_gate_cache_misses_total'),
    sessionsActive: gauge('fxa_gate_sessions_active'),
    revocationPropagation: histogram('fxa_gate_revocation_propagation_seconds'),
    userRevocations: counter('fxa_gate_user_revocations_total'),
    logins: counter('fxa_gate_logins_total'),
    logouts: counter('fxa_gate_logouts_total'),
    sessionsCreated: counter('fxa_gate_sessions_created_total'),
    sessionsEnded: counter('fxa_gate_sessions_ended_total'),
    sessionLookups: counter('fxa_gate_session_lookups_total'),
    sessionRefreshes: counter('fxa_gate_session_refreshes_total'),
    sessionRefreshFailures: counter('fxa_gate_session_refresh_failures_total'),
    tokenDestructions: counter('fxa_gate_token_destructions_total'),
    credentialMarkRefusals: counter('fxa_gate_credential_mark_refusals_total'),
    providerRequests: counter('fxa_gate_provider_requests_total'),
    storeErrors: counter('fxa_gate_store_errors_total'),
    storeInvalidRecords: counter('fxa_gate_store_invalid_records_total'),
    upstreamErrors: counter('fxa_gate_upstream_errors_total'),
    websocketsOpen: gauge('fxa_gate_websockets_open'),
    websocketsRevoked: counter('fxa_gate_websockets_revoked_total'),
    assertionsSigned: counter('fxa_gate_assertions_signed_total'),
    bearerChecks: counter('fxa_gate_bearer_checks_total'),
    eventTokens: counter('fxa_gate_event_tokens_total'),
    accountEvents: counter('fxa_gate_account_events_total'),
    webhookDeliveries: counter('fxa_gate_event_webhook_deliveries_total'),
    requestErrors: counter('fxa_gate_request_errors_total'),
    ready: gauge('fxa_gate_ready'),
    secretReloads: counter('fxa_gate_secret_reloads_total'),
    serviceNodeUsers: gauge('fxa_gate_service_node_users'),
    serviceNodeCapacity: gauge('fxa_gate_service_node_capacity'),
    serviceNodeUp: gauge('fxa_gate_service_node_up'),
    serviceNodeAssignments: counter('fxa_gate_service_node_assignments_total'),
    serviceNodeRefusals: counter('fxa_gate_service_node_refusals_total'),
    serviceTokens: counter('fxa_gate_service_tokens_total'),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
