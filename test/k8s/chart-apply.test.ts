import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { injectText } from '../../src/injector/inject-command.ts'
import { ensureChartTools, helm, ROOT, scenarios, templateArgs } from '../chart/tools.ts'
import { IMAGE, SETTINGS } from '../unit/injector/fixtures.ts'
import { k } from './kube.ts'

/** Creates the namespaces the manifests name: dry runs of namespaced objects need them to exist. */
async function ensureNamespaces(manifests: string): Promise<void> {
  const names = new Set(
    parseAllDocuments(manifests)
      .map((doc) => doc.toJS() as { metadata?: { namespace?: string } } | null)
      .map((object) => object?.metadata?.namespace)
      .filter((name) => name !== undefined),
  )
  for (const name of names) {
    await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }))
    // No controller-manager here: pods need the default ServiceAccount it would have created.
    const account = {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace: name },
    }
    await k(['apply', '-f', '-'], JSON.stringify(account))
  }
}

/** `kubectl apply --dry-run=server`: the API server's own validation, defaulting and admission, strict fields. */
async function serverDryRun(manifests: string): Promise<string> {
  await ensureNamespaces(manifests)
  return await k(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], manifests)
}

beforeAll(ensureChartTools)

describe('every chart scenario, applied to a real kube-apiserver (server-side dry run)', () => {
  it.each(scenarios())('ci/%s is accepted', async (scenario) => {
    const manifests = helm(templateArgs({ valuesFiles: [`charts/fxa-gate/ci/${scenario}`] }))
    const output = await serverDryRun(manifests)
    const objects = parseAllDocuments(manifests).filter((doc) => doc.contents !== null)
    expect(output.trim().split('\n')).toHaveLength(objects.length)
    expect(output).toMatch(/\(server dry run\)/)
  })

  it('covers the injector scenarios too', () => {
    expect(scenarios()).toEqual(
      expect.arrayContaining(['injector-values.yaml', 'injector-bootstrap-values.yaml']),
    )
  })

  it.each(
    readdirSync(join(ROOT, 'deploy/kubernetes')).filter((f) => f.endsWith('.yaml') && f !== 'values.yaml'),
  )('deploy/kubernetes/%s is accepted', async (file) => {
    await serverDryRun(readFileSync(join(ROOT, 'deploy/kubernetes', file), 'utf8'))
  })

  it('rejects what the API server must reject (the check can fail)', async () => {
    const manifests = helm(templateArgs({ valuesFiles: ['charts/fxa-gate/ci/injector-values.yaml'] }))
    await expect(
      serverDryRun(manifests.replace('timeoutSeconds: 5', 'timeoutSeconds: 5\n    colour: blue')),
    ).rejects.toThrow(/unknown field .*colour/)
    await expect(serverDryRun(manifests.replace('sideEffects: None', 'sideEffects: Some'))).rejects.toThrow(
      /sideEffects/,
    )
  })

  it('checks the third-party kinds against their CRDs (crds/), not as free-form objects', async () => {
    const route = helm(templateArgs({ valuesFiles: ['charts/fxa-gate/ci/httproute-values.yaml'] }))
    await expect(serverDryRun(route.replace('sectionName: https', 'sectionNam: https'))).rejects.toThrow(
      /unknown field .*sectionNam/,
    )
    await expect(serverDryRun(route.replace('type: PathPrefix', 'type: Prefix'))).rejects.toThrow(
      /Unsupported value: "Prefix"/,
    )
    const rules = helm(templateArgs({ valuesFiles: ['charts/fxa-gate/ci/observability-values.yaml'] }))
    await expect(serverDryRun(rules.replace('expr: |-', 'expression: |-'))).rejects.toThrow(
      /unknown field .*expression/,
    )
    await expect(serverDryRun(rules.replace('for: 10m', 'for: ten minutes'))).rejects.toThrow(/spec\.groups/)
  })
})

const WORKLOADS = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'].map(
  (kind) => {
    const template = {
      metadata: {
        labels: { app: 'shop' },
        annotations: {
          'fxa-gate.io/inject': 'true',
          'fxa-gate.io/upstream-port': '8080',
          'fxa-gate.io/config': 'shop',
        },
      },
      spec: {
        ...(kind === 'Job' || kind === 'CronJob' ? { restartPolicy: 'OnFailure' } : {}),
        containers: [{ name: 'shop', image: 'shop:1.0.0', ports: [{ name: 'http', containerPort: 8080 }] }],
      },
    }
    const selector = { matchLabels: { app: 'shop' } }
    const metadata = { name: `shop-${kind.toLowerCase()}`, namespace: 'inject-dry-run' }
    const apiVersion = kind === 'Pod' ? 'v1' : kind.endsWith('Job') ? 'batch/v1' : 'apps/v1'
    const spec =
      kind === 'Pod'
        ? template.spec
        : kind === 'Job'
          ? { template }
          : kind === 'CronJob'
            ? { schedule: '0 3 * * *', jobTemplate: { spec: { template } } }
            : { selector, template, ...(kind === 'StatefulSet' ? { serviceName: 'shop' } : {}) }
    return kind === 'Pod'
      ? { apiVersion, kind, metadata: { ...metadata, ...template.metadata }, spec }
      : { apiVersion, kind, metadata, spec }
  },
)

describe('inject -f output, applied to a real kube-apiserver (server-side dry run)', () => {
  it.each([true, false])(
    'is accepted for every workload kind (native sidecar: %s)',
    async (nativeSidecar) => {
      const input = WORKLOADS.map((w) => JSON.stringify(w)).join('\n---\n')
      const injected = injectText(input, { ...SETTINGS, nativeSidecar, image: IMAGE }, 'test')
      const sidecars = JSON.stringify(parseAllDocuments(injected).map((doc) => doc.toJS())).match(
        /"name":"fxa-gate","image"/g,
      )
      expect(sidecars).toHaveLength(WORKLOADS.length)
      const output = await serverDryRun(injected)
      expect(output.trim().split('\n')).toHaveLength(WORKLOADS.length)
    },
  )
})
