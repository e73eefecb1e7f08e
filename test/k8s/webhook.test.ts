import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningWebhook } from '../../src/injector/webhook-command.ts'
import { hardeningProblems } from '../chart/pods.ts'
import { ensureChartTools, render } from '../chart/tools.ts'
import { startTestWebhook, type WebhookTls, webhookTls } from '../support/webhook-tls.ts'
import { IMAGE } from '../unit/injector/fixtures.ts'
import { getJson, k, namespace, refusal } from './kube.ts'

const ANNOTATIONS = { 'fxa-gate.io/inject': 'true', 'fxa-gate.io/upstream-port': 'http' }

function pod(name: string, ns: string, annotations: Record<string, string> | undefined = ANNOTATIONS) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, annotations },
    spec: {
      automountServiceAccountToken: false,
      containers: [
        {
          name: 'shop',
          image: 'registry.example.com/shop:1.0.0',
          ports: [{ name: 'http', containerPort: 8080 }],
          readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
        },
      ],
    },
  }
}

/**
 * The chart's own MutatingWebhookConfiguration (ci/injector-values.yaml), pointed at the webhook on
 * loopback instead of its Service (no kube-proxy here): its selectors, rules and policies are tested.
 */
function chartWebhookConfiguration(name: string, url: string, ca: string) {
  const rendered = render({ valuesFiles: ['charts/fxa-gate/ci/injector-values.yaml'] })
  const config = rendered.map((r) => r.object).find((o) => o.kind === 'MutatingWebhookConfiguration')
  if (!config) throw new Error('the chart rendered no MutatingWebhookConfiguration')
  config.metadata = { name, labels: config.metadata.labels }
  for (const webhook of config['webhooks'])
    webhook.clientConfig = { url, caBundle: Buffer.from(ca).toString('base64') }
  return config
}

describe('the injector webhook behind a real kube-apiserver', () => {
  let tls: WebhookTls
  let webhook: RunningWebhook | undefined
  let url: string
  let labelled: string
  let unlabelled: string
  const configName = `fxa-gate-injector-test-${process.pid}`

  beforeAll(async () => {
    ensureChartTools()
    tls = await webhookTls()
    const started = await startTestWebhook(tls, IMAGE)
    webhook = started.webhook
    url = `https://127.0.0.1:${started.port}/mutate`
    await k(['apply', '-f', '-'], JSON.stringify(chartWebhookConfiguration(configName, url, tls.ca.cert)))
    labelled = await namespace('inject-on', { 'fxa-gate.io/injection': 'enabled' })
    unlabelled = await namespace('inject-off')
  })
  afterAll(async () => {
    await k(['delete', 'mutatingwebhookconfiguration', configName, '--ignore-not-found']).catch(() => {})
    await webhook?.close()
    await tls?.cleanup()
  })

  it('stores a pod created in a labelled namespace with the sidecar', async () => {
    await k(['apply', '-f', '-'], JSON.stringify(pod('shop', labelled)))
    const stored = await getJson(['-n', labelled, 'get', 'pod', 'shop'])
    const [sidecar] = stored.spec.initContainers
    expect(sidecar).toMatchObject({ name: 'fxa-gate', image: IMAGE, restartPolicy: 'Always' })
    expect(sidecar.ports.map((p: { name: string }) => p.name)).toEqual(['http', 'fxa-gate-admin'])
    expect(stored.spec.containers[0].ports[0]).toMatchObject({ name: 'http-app', containerPort: 8080 })
    expect(stored.spec.containers[0].readinessProbe.httpGet.port).toBe('http-app')
    expect(hardeningProblems({ automountServiceAccountToken: false, containers: [sidecar] })).toEqual([])
  })

  it('keeps the ServiceAccount token out of the sidecar even where the pod mounts it', async () => {
    const withToken = pod('token', labelled)
    withToken.spec.automountServiceAccountToken = true
    await k(['apply', '-f', '-'], JSON.stringify(withToken))
    const stored = await getJson(['-n', labelled, 'get', 'pod', 'token'])
    const mounts = (c: { volumeMounts?: { name: string }[] }) => (c.volumeMounts ?? []).map((m) => m.name)
    expect(mounts(stored.spec.containers[0]).some((n) => n.startsWith('kube-api-access-'))).toBe(true)
    expect(mounts(stored.spec.initContainers[0])).toEqual(['fxa-gate-tmp', 'fxa-gate-no-sa-token'])
  })

  it('stores a pod created in an unlabelled namespace unchanged', async () => {
    const sent = pod('shop', unlabelled)
    await k(['apply', '-f', '-'], JSON.stringify(sent))
    const stored = await getJson(['-n', unlabelled, 'get', 'pod', 'shop'])
    expect(stored.spec.initContainers).toBeUndefined()
    expect(stored.spec.containers.map((c: { name: string }) => c.name)).toEqual(['shop'])
    expect(stored.spec.containers[0].ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }])
  })

  it('leaves pods without the annotation, or labelled fxa-gate.io/inject=false, alone in a labelled namespace', async () => {
    await k(['apply', '-f', '-'], JSON.stringify(pod('plain', labelled, {})))
    const optedOut = pod('opted-out', labelled) as ReturnType<typeof pod> & { metadata: { labels?: object } }
    optedOut.metadata.labels = { 'fxa-gate.io/inject': 'false' }
    await k(['apply', '-f', '-'], JSON.stringify(optedOut))
    for (const name of ['plain', 'opted-out']) {
      const stored = await getJson(['-n', labelled, 'get', 'pod', name])
      expect(stored.spec.initContainers, name).toBeUndefined()
    }
  })

  it('injects in a server-side dry run too, and leaves an already injected pod as it is', async () => {
    const preview = JSON.parse(
      await k(
        ['apply', '--dry-run=server', '-o', 'json', '-f', '-'],
        JSON.stringify(pod('preview', labelled)),
      ),
    )
    expect(preview.spec.initContainers.map((c: { name: string }) => c.name)).toEqual(['fxa-gate'])
    const again = { ...preview, metadata: { name: 'again', namespace: labelled, annotations: ANNOTATIONS } }
    await k(['apply', '-f', '-'], JSON.stringify(again))
    const stored = await getJson(['-n', labelled, 'get', 'pod', 'again'])
    expect(stored.spec.initContainers.map((c: { name: string }) => c.name)).toEqual(['fxa-gate'])
    expect(stored.spec.volumes.map((v: { name: string }) => v.name)).toEqual([
      'fxa-gate-tmp',
      'fxa-gate-no-sa-token',
    ])
  })

  it('refuses a pod whose annotations cannot be honoured, with the reason', async () => {
    const message = await refusal(
      k(['apply', '-f', '-'], JSON.stringify(pod('broken', labelled, { 'fxa-gate.io/inject': 'true' }))),
    )
    expect(message).toMatch(/fxa-gate injector: fxa-gate.io\/upstream-port is required/)
  })

  it('refuses pod creation while the webhook is down (failurePolicy Fail), and only in labelled namespaces', async () => {
    await webhook?.close()
    webhook = undefined
    const message = await refusal(k(['apply', '-f', '-'], JSON.stringify(pod('while-down', labelled))))
    expect(message).toMatch(/failed calling webhook "inject.fxa-gate.io"/)
    await expect(k(['-n', labelled, 'get', 'pod', 'while-down'])).rejects.toThrow(/NotFound/)
    await k(['apply', '-f', '-'], JSON.stringify(pod('while-down', unlabelled)))
  })
})
