import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parser } from '@prometheus-io/lezer-promql'
import { beforeAll, describe, expect, it } from 'vitest'
import { schemaErrors } from './k8s-schemas.ts'
import { find } from './pods.ts'
import { catchHelm, ensureChartTools, type K8sObject, ROOT, render } from './tools.ts'

beforeAll(ensureChartTools)

/**
 * The metric names fixed by issue #13 (and the BRIEF): what alerts and the dashboard may use. Histograms
 * count with their _bucket series. The application exports them all (its golden list, checked below)
 * but the ANNOUNCED ones.
 */
const CONTRACT_METRICS = [
  'fxa_gate_build_info',
  'fxa_gate_http_requests_total',
  'fxa_gate_http_request_duration_seconds_bucket',
  'fxa_gate_http_requests_in_flight',
  'fxa_gate_decisions_total',
  'fxa_gate_dependency_request_duration_seconds_bucket',
  'fxa_gate_dependency_up',
  'fxa_gate_sessions_active',
  'fxa_gate_revocation_propagation_seconds_bucket',
  'fxa_gate_session_refresh_failures_total',
  'process_resident_memory_bytes',
  'process_cpu_seconds_total',
  'nodejs_eventloop_lag_seconds',
  'up',
]

/** Fixed by the BRIEF before the application exported them: none left (#12 added the refresh failures). */
const ANNOUNCED: string[] = []

/** Metric families `/metrics` has: the application's golden list (test/unit/observability). */
const EXPORTED = new Set(
  readFileSync(join(ROOT, 'test/unit/observability/metrics.golden.txt'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' ')[0]),
)

/** The metric names a PromQL expression selects; throws when it does not parse. */
function metricsOf(expr: string): string[] {
  const tree = parser.parse(expr)
  const names: string[] = []
  const cursor = tree.cursor()
  do {
    if (cursor.type.isError) throw new Error(`PromQL does not parse at ${cursor.from}: ${expr}`)
    if (cursor.name === 'Identifier' && cursor.node.parent?.name === 'VectorSelector')
      names.push(expr.slice(cursor.from, cursor.to))
  } while (cursor.next())
  return names
}

const OBSERVABILITY = { valuesFiles: ['charts/fxa-gate/ci/observability-values.yaml'] }
const operations = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8')
/** GitHub's anchors of the headings of docs/operations.md. */
const anchors = new Set(
  [...operations.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
    (m[1] ?? '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-'),
  ),
)

interface AlertRule {
  alert?: string
  expr: string
  for?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}

const rulesOf = (rule: K8sObject | undefined): AlertRule[] =>
  rule?.spec.groups.flatMap((g: { rules: AlertRule[] }) => g.rules)

describe('the contract metrics', () => {
  it('are exported by the application under those names (its golden list), but the announced ones', () => {
    const missing = CONTRACT_METRICS.filter(
      (name) => name !== 'up' && !EXPORTED.has(name.replace(/_bucket$/, '')),
    )
    expect(missing).toEqual(ANNOUNCED)
  })
})

describe('the PrometheusRule', () => {
  let objects: ReturnType<typeof render>
  beforeAll(() => {
    objects = render(OBSERVABILITY)
  })

  it('has the alerts the issue names, valid against the prometheus-operator schema', async () => {
    const rule = find(objects, 'PrometheusRule')
    expect(await schemaErrors(rule!)).toEqual([])
    expect(rulesOf(rule).map((r) => r.alert)).toEqual([
      'FxaGateHigh5xxRate',
      'FxaGateDependencyDown',
      'FxaGateRevocationLag',
      'FxaGateSessionRefreshFailures',
      'FxaGateInstanceDown',
      'FxaGateSlowDecisions',
    ])
    expect(rule?.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' })
  })

  it('links every alert of the chart to its runbook entry in docs/operations.md', () => {
    for (const rule of rulesOf(find(objects, 'PrometheusRule')).slice(0, 5)) {
      const url = rule.annotations?.['runbook_url'] ?? ''
      const anchor = rule.alert?.toLowerCase() ?? ''
      expect(url, rule.alert).toBe(
        `https://github.com/fxa-gate/fxa-gate/blob/main/docs/operations.md#${anchor}`,
      )
      expect(anchors.has(anchor), `docs/operations.md has a heading "${rule.alert}"`).toBe(true)
      expect(rule.annotations?.['summary'], rule.alert).toBeTruthy()
      expect(rule.labels?.['severity'], rule.alert).toMatch(/^(critical|warning)$/)
      expect(rule.labels?.['team'], rule.alert).toBe('identity')
    }
  })

  it('writes PromQL that parses, on the contract metric names, scoped to the release', () => {
    for (const rule of rulesOf(find(objects, 'PrometheusRule'))) {
      const names = metricsOf(rule.expr)
      expect(names.length, rule.alert).toBeGreaterThan(0)
      for (const name of names) expect(CONTRACT_METRICS, `${rule.alert}: ${name}`).toContain(name)
      if (rule.alert !== 'FxaGateSlowDecisions')
        expect(rule.expr, rule.alert).toContain('namespace="fxa-gate",job="fxa-gate"')
    }
  })

  it('takes thresholds, durations and the selector from the values', () => {
    const [fiveXx] = rulesOf(find(objects, 'PrometheusRule'))
    expect(fiveXx?.expr).toMatch(/> 0\.02$/)
    expect(fiveXx?.for).toBe('10m')
    const custom = render({ ...OBSERVABILITY, setJson: ['prometheusRule.selector="service=\\"gate\\""'] })
    for (const rule of rulesOf(find(custom, 'PrometheusRule')).slice(0, 5))
      expect(rule.expr).toContain('{service="gate"')
  })

  it('refuses a threshold that is not a fraction', () => {
    expect(
      catchHelm(() =>
        render({ ...OBSERVABILITY, setJson: ['prometheusRule.alerts.FxaGateHigh5xxRate.threshold=5'] }),
      ),
    ).toMatch(/threshold/)
  })

  it('is not created unless asked for', () => {
    expect(
      find(render({ valuesFiles: ['charts/fxa-gate/ci/default-values.yaml'] }), 'PrometheusRule'),
    ).toBeUndefined()
  })
})

interface Panel {
  id: number
  type: string
  title: string
  datasource?: { uid: string }
  targets?: { expr: string }[]
}

describe('the Grafana dashboard', () => {
  let configMap: K8sObject | undefined
  let dashboard: { uid: string; title: string; panels: Panel[]; templating: { list: { name: string }[] } }
  beforeAll(() => {
    configMap = find(render(OBSERVABILITY), 'ConfigMap', '-dashboard')
    dashboard = JSON.parse(configMap?.data['fxa-gate.json'])
  })

  it('is a ConfigMap with the label the Grafana sidecar looks for', () => {
    expect(configMap?.metadata.labels).toMatchObject({
      grafana_dashboard: '1',
      'app.kubernetes.io/name': 'fxa-gate',
    })
    expect(configMap?.metadata.annotations).toEqual({ grafana_folder: 'Identity' })
    expect(dashboard).toMatchObject({ uid: 'fxa-gate', title: 'fxa-gate' })
  })

  it('queries only the contract metrics, in PromQL that parses, through the chosen data source', () => {
    const panels = dashboard.panels.filter((p) => p.type !== 'row')
    expect(panels.length).toBeGreaterThan(10)
    const seen = new Set<string>()
    for (const panel of panels) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own variable syntax, not a JS template
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}')
      for (const target of panel.targets ?? []) {
        const expr = target.expr.replaceAll('$__rate_interval', '5m')
        for (const name of metricsOf(expr)) {
          expect(CONTRACT_METRICS, `${panel.title}: ${name}`).toContain(name)
          seen.add(name)
        }
        expect(expr, panel.title).toContain('namespace="$namespace",job="$job"')
      }
    }
    // Every fxa-gate metric of the contract is on some panel.
    expect(CONTRACT_METRICS.filter((n) => n.startsWith('fxa_gate_') && !seen.has(n))).toEqual([])
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'namespace', 'job'])
  })

  it('gives every panel its own id', () => {
    const ids = dashboard.panels.map((p) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('may go to the namespace the Grafana sidecar watches, with its label value', () => {
    const objects = render({
      ...OBSERVABILITY,
      setJson: ['grafanaDashboard.namespace="monitoring"', 'grafanaDashboard.labelValue="fxa"'],
    })
    expect(find(objects, 'ConfigMap', '-dashboard')?.metadata).toMatchObject({
      namespace: 'monitoring',
      labels: { grafana_dashboard: 'fxa' },
    })
  })
})
