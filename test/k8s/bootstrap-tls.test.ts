import { X509Certificate } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openBootstrapTls } from '../../src/injector/bootstrap-tls.ts'
import { createServingCert } from '../../src/injector/certificates.ts'
import { kubeAccess } from '../../src/injector/kube-access.ts'
import { createWebhookMetrics } from '../../src/injector/metrics.ts'
import { buildWebhookApp } from '../../src/injector/webhook-app.ts'
import { createLogger } from '../../src/observability/logger.ts'
import { ensureChartTools, render } from '../chart/tools.ts'
import { SETTINGS } from '../unit/injector/fixtures.ts'
import { getJson, k, kube, namespace } from './kube.ts'

const NAME = 'fxa-gate-injector'
const SECRET = 'fxa-gate-injector-tls'
const logger = createLogger({ level: 'silent' })

/** A kubeconfig for the injector's ServiceAccount: a real token, so the chart's RBAC is what applies. */
async function injectorKubeConfig(ns: string): Promise<KubeConfig> {
  const token = (await k(['-n', ns, 'create', 'token', NAME, '--duration=1h'])).trim()
  const config = new KubeConfig()
  config.loadFromOptions({
    clusters: [{ name: 'test', server: kube().url, caData: Buffer.from(kube().ca).toString('base64') }],
    users: [{ name: 'injector', token }],
    contexts: [{ name: 'test', cluster: 'test', user: 'injector' }],
    currentContext: 'test',
  })
  return config
}

async function status(run: Promise<unknown>): Promise<number | undefined> {
  try {
    await run
    return 200
  } catch (error) {
    return error instanceof ApiException ? error.code : undefined
  }
}

describe('self-bootstrapped webhook TLS, with the chart’s RBAC, against a real kube-apiserver', () => {
  let ns: string
  let config: KubeConfig
  let target: { namespace: string; secretName: string; webhookName: string }
  let dnsNames: string[]
  const sources: { close(): void }[] = []
  let app: FastifyInstance | undefined

  beforeAll(async () => {
    ensureChartTools()
    ns = await namespace('injector-system')
    const objects = render({
      valuesFiles: ['charts/fxa-gate/ci/injector-bootstrap-values.yaml'],
      namespace: ns,
    })
      .map((r) => r.object)
      .filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'injector')
      .filter((o) => !['Deployment', 'Service', 'PodDisruptionBudget'].includes(o.kind))
    expect(objects.map((o) => o.kind).sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'MutatingWebhookConfiguration',
      'Role',
      'RoleBinding',
      'Secret',
      'ServiceAccount',
    ])
    await k(['apply', '-f', '-'], objects.map((o) => JSON.stringify(o)).join('\n'))
    config = await injectorKubeConfig(ns)
    target = { namespace: ns, secretName: SECRET, webhookName: NAME }
    dnsNames = [`${NAME}.${ns}.svc`, `${NAME}.${ns}.svc.cluster.local`, '127.0.0.1']
  })
  afterAll(async () => {
    for (const source of sources) source.close()
    await app?.close()
    await k(['delete', 'mutatingwebhookconfiguration', NAME, '--ignore-not-found']).catch(() => {})
  })

  const open = async () => {
    const source = await openBootstrapTls({
      ...target,
      kube: kubeAccess(target, config),
      dnsNames,
      intervalMs: 500,
      logger,
    })
    sources.push(source)
    return source
  }

  it('creates the CA and serving certificate in its Secret and puts the CA in the caBundle', async () => {
    const source = await open()
    expect(source.ready()).toBe(true)
    const secret = await getJson(['-n', ns, 'get', 'secret', SECRET])
    const data = (key: string) => Buffer.from(secret.data[key], 'base64').toString()
    expect(Object.keys(secret.data).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key'])
    expect(source.current()?.cert).toBe(data('tls.crt'))
    const leaf = new X509Certificate(data('tls.crt'))
    expect(leaf.verify(new X509Certificate(data('ca.crt')).publicKey)).toBe(true)
    expect(leaf.subjectAltName).toContain(`DNS:${NAME}.${ns}.svc`)
    const webhook = await getJson(['get', 'mutatingwebhookconfiguration', NAME])
    expect(Buffer.from(webhook.webhooks[0].clientConfig.caBundle, 'base64').toString()).toBe(data('ca.crt'))
  })

  it('lets a second replica serve the same certificate without rewriting anything', async () => {
    const before = await getJson(['-n', ns, 'get', 'secret', SECRET])
    const webhookBefore = await getJson(['get', 'mutatingwebhookconfiguration', NAME])
    const second = await open()
    expect(second.current()?.cert).toBe(Buffer.from(before.data['tls.crt'], 'base64').toString())
    expect((await getJson(['-n', ns, 'get', 'secret', SECRET])).metadata.resourceVersion).toBe(
      before.metadata.resourceVersion,
    )
    expect((await getJson(['get', 'mutatingwebhookconfiguration', NAME])).metadata.resourceVersion).toBe(
      webhookBefore.metadata.resourceVersion,
    )
  })

  it('may touch nothing but its Secret and its MutatingWebhookConfiguration', async () => {
    await k(['-n', ns, 'create', 'secret', 'generic', 'someone-else', '--from-literal=password=hunter2'])
    const core = config.makeApiClient(CoreV1Api)
    expect(await status(core.readNamespacedSecret({ name: 'someone-else', namespace: ns }))).toBe(403)
    expect(await status(core.listNamespacedSecret({ namespace: ns }))).toBe(403)
    expect(await status(core.deleteNamespacedSecret({ name: SECRET, namespace: ns }))).toBe(403)
    expect(await status(core.readNamespacedSecret({ name: SECRET, namespace: ns }))).toBe(200)
    const access = kubeAccess({ ...target, webhookName: 'another-webhook' }, config)
    expect(await status(access.readWebhook())).toBe(403)
  })

  it('renews a serving certificate close to expiry, and every replica serves the new one', async () => {
    const secret = await getJson(['-n', ns, 'get', 'secret', SECRET])
    const data = (key: string) => Buffer.from(secret.data[key], 'base64').toString()
    const ca = { cert: data('ca.crt'), key: data('ca.key') }
    const expiring = await createServingCert(ca, dnsNames, new Date(), 2)
    const replica = sources[0] as Awaited<ReturnType<typeof open>>
    const changes: string[] = []
    replica.onChange((material) => changes.push(material.cert))
    secret.data['tls.crt'] = Buffer.from(expiring.cert).toString('base64')
    secret.data['tls.key'] = Buffer.from(expiring.key).toString('base64')
    await k(['replace', '-f', '-'], JSON.stringify(secret))
    for (let i = 0; i < 100 && changes.length === 0; i++) await sleep(100)
    const served = new X509Certificate(replica.current()?.cert ?? '')
    expect(new Date(served.validTo).getTime()).toBeGreaterThan(Date.now() + 300 * 86_400_000)
    const stored = await getJson(['-n', ns, 'get', 'secret', SECRET])
    expect(Buffer.from(stored.data['ca.crt'], 'base64').toString()).toBe(ca.cert)
  })

  it('is trusted by the API server: a pod in a labelled namespace gets the sidecar through it', async () => {
    const source = sources[0] as Awaited<ReturnType<typeof open>>
    app = buildWebhookApp({
      settings: SETTINGS,
      tls: source,
      metrics: createWebhookMetrics(),
      logger,
      ready: source.ready,
    })
    await app.listen({ host: '127.0.0.1', port: 0 })
    const url = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}/mutate`
    // No kube-proxy here: point the webhook at loopback; its caBundle stays the bootstrapped one.
    const patch = [
      { op: 'remove', path: '/webhooks/0/clientConfig/service' },
      { op: 'add', path: '/webhooks/0/clientConfig/url', value: url },
      { op: 'replace', path: '/webhooks/0/failurePolicy', value: 'Fail' },
    ]
    await k(['patch', 'mutatingwebhookconfiguration', NAME, '--type=json', '-p', JSON.stringify(patch)])
    const apps = await namespace('bootstrapped', { 'fxa-gate.io/injection': 'enabled' })
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'shop',
        namespace: apps,
        annotations: { 'fxa-gate.io/inject': 'true', 'fxa-gate.io/upstream-port': '8080' },
      },
      spec: { containers: [{ name: 'shop', image: 'shop:1.0.0', ports: [{ containerPort: 8080 }] }] },
    }
    await k(['apply', '-f', '-'], JSON.stringify(pod))
    const stored = await getJson(['-n', apps, 'get', 'pod', 'shop'])
    expect(stored.spec.initContainers.map((c: { name: string }) => c.name)).toEqual(['fxa-gate'])
  })
})
