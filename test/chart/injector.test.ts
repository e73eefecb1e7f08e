import { beforeAll, describe, expect, it } from 'vitest'
import { loadInjectorConfig } from '../../src/config/injector-load.ts'
import { INJECTOR_KEYS } from '../../src/config/injector-schema.ts'
import { envName } from '../../src/config/schema.ts'
import { ensureChartTools, type K8sObject, render } from './tools.ts'

beforeAll(ensureChartTools)

const CERT_MANAGER = 'charts/fxa-gate/ci/injector-values.yaml'
const BOOTSTRAP = 'charts/fxa-gate/ci/injector-bootstrap-values.yaml'

function injectorObjects(valuesFile: string): K8sObject[] {
  return render({ valuesFiles: [valuesFile] })
    .map((r) => r.object)
    .filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'injector')
}

function kind(objects: K8sObject[], name: string): K8sObject {
  const found = objects.find((o) => o.kind === name)
  if (!found) throw new Error(`no ${name}`)
  return found
}

/** The injector container's environment, as the pod would see it (downward API resolved). */
function environment(deployment: K8sObject): Record<string, string> {
  const [container] = deployment.spec.template.spec.containers
  return Object.fromEntries(
    container.env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [
      e.name,
      e.value ?? (e.valueFrom ? 'fxa-gate' : ''),
    ]),
  )
}

describe('the chart with injector.enabled', () => {
  it('renders no injector object by default', () => {
    expect(injectorObjects('charts/fxa-gate/ci/default-values.yaml')).toEqual([])
  })

  it.each([CERT_MANAGER, BOOTSTRAP])(
    '%s: gives the injector a configuration its loader accepts, with injector keys only',
    (file) => {
      const env = environment(kind(injectorObjects(file), 'Deployment'))
      const known = new Set(Object.keys(INJECTOR_KEYS).map(envName))
      expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([])
      const loaded = loadInjectorConfig(env, 'webhook')
      expect(loaded.ok ? [] : loaded.problems).toEqual([])
    },
  )

  it('runs 2 replicas spread over nodes, with a PodDisruptionBudget and a Service on 443', () => {
    const objects = injectorObjects(CERT_MANAGER)
    const deployment = kind(objects, 'Deployment')
    expect(deployment.spec.replicas).toBe(2)
    expect(deployment.spec.template.spec.affinity.podAntiAffinity).toBeDefined()
    const pdb = kind(objects, 'PodDisruptionBudget')
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels)
    expect(pdb.spec.maxUnavailable).toBe(1)
    const service = kind(objects, 'Service')
    expect(service.spec.ports).toEqual([{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }])
    expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector)
  })

  it('registers a MutatingWebhookConfiguration as the contract says', () => {
    const [webhook] = kind(injectorObjects(CERT_MANAGER), 'MutatingWebhookConfiguration').webhooks
    expect(webhook).toMatchObject({
      admissionReviewVersions: ['v1'],
      clientConfig: {
        service: { name: 'fxa-gate-injector', namespace: 'fxa-gate', path: '/mutate', port: 443 },
      },
      failurePolicy: 'Fail',
      sideEffects: 'None',
      timeoutSeconds: 5,
      reinvocationPolicy: 'IfNeeded',
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    })
    expect(webhook.namespaceSelector.matchExpressions).toEqual([
      { key: 'fxa-gate.io/injection', operator: 'In', values: ['enabled'] },
      {
        key: 'kubernetes.io/metadata.name',
        operator: 'NotIn',
        values: ['kube-system', 'fxa-gate', 'monitoring'],
      },
    ])
    expect(webhook.objectSelector).toEqual({
      matchExpressions: [{ key: 'fxa-gate.io/inject', operator: 'NotIn', values: ['false'] }],
    })
  })

  it('with cert-manager: a Certificate for the Service names, and the cainjector annotation', () => {
    const objects = injectorObjects(CERT_MANAGER)
    const certificate = kind(objects, 'Certificate')
    expect(certificate.spec.dnsNames).toEqual([
      'fxa-gate-injector.fxa-gate.svc',
      'fxa-gate-injector.fxa-gate.svc.cluster.local',
    ])
    expect(certificate.spec.issuerRef).toEqual({
      name: 'fxa-gate-injector',
      kind: 'Issuer',
      group: 'cert-manager.io',
    })
    expect(kind(objects, 'Issuer').spec).toEqual({ selfSigned: {} })
    expect(kind(objects, 'MutatingWebhookConfiguration').metadata.annotations).toEqual({
      'cert-manager.io/inject-ca-from': 'fxa-gate/fxa-gate-injector',
    })
    const volumes = kind(objects, 'Deployment').spec.template.spec.volumes
    expect(volumes.find((v: { name: string }) => v.name === 'tls').secret.secretName).toBe(
      certificate.spec.secretName,
    )
    expect(objects.some((o) => o.kind.includes('Role'))).toBe(false)
  })

  it('with bootstrapped TLS: RBAC on exactly its Secret and its webhook configuration, never create, list or watch', () => {
    const objects = injectorObjects(BOOTSTRAP)
    expect(kind(objects, 'Role').rules).toEqual([
      {
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: ['fxa-gate-injector-tls'],
        verbs: ['get', 'update'],
      },
    ])
    expect(kind(objects, 'ClusterRole').rules).toEqual([
      {
        apiGroups: ['admissionregistration.k8s.io'],
        resources: ['mutatingwebhookconfigurations'],
        resourceNames: ['fxa-gate-injector'],
        verbs: ['get', 'update'],
      },
    ])
    expect(kind(objects, 'Secret').metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' })
    expect(kind(objects, 'MutatingWebhookConfiguration').metadata.annotations).toBeUndefined()
    expect(objects.some((o) => o.kind === 'Certificate' || o.kind === 'Issuer')).toBe(false)
    const pod = kind(objects, 'Deployment').spec.template.spec
    expect(pod.automountServiceAccountToken).toBe(false)
    const token = pod.volumes.find((v: { name: string }) => v.name === 'kube-api-access')
    expect(token.projected.sources[0].serviceAccountToken.expirationSeconds).toBe(3600)
  })

  it('passes the sidecar settings through to the injector', () => {
    const env = environment(kind(injectorObjects(BOOTSTRAP), 'Deployment'))
    expect(env).toMatchObject({
      FXA_GATE_INJECT_IMAGE: expect.stringMatching(/^ghcr.io\/fxa-gate\/fxa-gate@sha256:/),
      FXA_GATE_INJECT_NATIVE_SIDECAR: 'false',
      FXA_GATE_INJECT_ADMIN_PORT: '9181',
      FXA_GATE_INJECT_CPU_LIMIT: '500m',
      FXA_GATE_INJECT_MEMORY_LIMIT: '192Mi',
    })
    expect(environment(kind(injectorObjects(CERT_MANAGER), 'Deployment'))['FXA_GATE_INJECT_IMAGE']).toBe(
      'ghcr.io/fxa-gate/fxa-gate:0.1.0',
    )
  })

  it('never injects its own pods', () => {
    const deployment = kind(injectorObjects(CERT_MANAGER), 'Deployment')
    expect(deployment.spec.template.metadata.labels['fxa-gate.io/inject']).toBe('false')
  })
})
