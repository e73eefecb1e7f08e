import { beforeAll, describe, expect, it } from 'vitest'
import { EXTERNAL } from './external-objects.ts'
import { schemaErrors, strictDecodingErrors } from './k8s-schemas.ts'
import { find, gateDeployment, hardeningProblems, loadRenderedConfig, podSpecs } from './pods.ts'
import { ensureChartTools, helm, parseManifests, type Rendered, scenarios, templateArgs } from './tools.ts'

beforeAll(ensureChartTools)

/** Kinds the chart creates outside any namespace (the injector's webhook and RBAC). */
const CLUSTER_SCOPED = new Set(['MutatingWebhookConfiguration', 'ClusterRole', 'ClusterRoleBinding'])

describe.each(scenarios())('ci/%s', (scenario) => {
  let manifests: string
  let objects: Rendered[]
  beforeAll(() => {
    manifests = helm(templateArgs({ valuesFiles: [`charts/fxa-gate/ci/${scenario}`] }))
    objects = parseManifests(manifests)
  })

  it('renders objects that all pass the Kubernetes API schemas', async () => {
    expect(objects.length).toBeGreaterThan(3)
    const problems: string[] = []
    for (const { source, object } of objects) {
      for (const error of await schemaErrors(object)) problems.push(`${source} ${object.kind}: ${error}`)
    }
    expect(problems).toEqual([])
  })

  it('has no unknown or duplicate fields (strict decoding into the Kubernetes Go types)', () => {
    expect(strictDecodingErrors(manifests)).toEqual([])
  })

  it('runs no container as root or with privileges, capabilities or a writable root filesystem', () => {
    const specs = podSpecs(objects)
    expect(specs.length).toBeGreaterThan(0)
    for (const { owner, spec } of specs) expect(hardeningProblems(spec), owner).toEqual([])
  })

  it('puts every object in the release namespace with the standard labels', () => {
    for (const { object } of objects) {
      expect(object.metadata.namespace, object.kind).toBe(
        CLUSTER_SCOPED.has(object.kind) ? undefined : 'fxa-gate',
      )
      expect(object.metadata.labels, object.kind).toMatchObject({
        'app.kubernetes.io/name': 'fxa-gate',
        'app.kubernetes.io/instance': 'fxa-gate',
        'app.kubernetes.io/managed-by': 'Helm',
      })
    }
  })

  it('probes /healthz (liveness, startup) and /readyz (readiness) on the admin port', () => {
    const [container] = gateDeployment(objects).spec.template.spec.containers
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'admin' })
    expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'admin' })
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'admin' })
    expect(container.ports.map((p: { name: string }) => p.name)).toEqual(['http', 'admin'])
  })

  it('exposes the main and admin ports through a Service that selects exactly the fxa-gate pods', () => {
    const deployment = gateDeployment(objects)
    const service = objects
      .map((r) => r.object)
      .find((o) => o.kind === 'Service' && o.metadata.name === deployment.metadata.name)
    expect(
      service?.spec.ports.map((p: { name: string; targetPort: string }) => [p.name, p.targetPort]),
    ).toEqual([
      ['http', 'http'],
      ['admin', 'admin'],
    ])
    expect(deployment.spec.template.metadata.labels).toMatchObject(service?.spec.selector)
    expect(deployment.spec.selector.matchLabels).toEqual(service?.spec.selector)
  })

  it('never rolls below the PodDisruptionBudget: a rollout keeps every ready pod until its successor is ready', () => {
    const deployment = gateDeployment(objects)
    expect(deployment.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    })
    const pdb = objects
      .map((r) => r.object)
      .find((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === deployment.metadata.name)
    const hpa = find(objects, 'HorizontalPodAutoscaler')
    const replicas: number = hpa ? hpa.spec.minReplicas : deployment.spec.replicas
    if (replicas < 2) {
      expect(pdb, 'a budget over a single pod blocks node drains').toBeUndefined()
      return
    }
    expect(pdb?.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels)
    const minAvailable = pdb?.spec.minAvailable ?? replicas - pdb?.spec.maxUnavailable
    expect(minAvailable).toBeLessThan(replicas)
  })

  it('gives fxa-gate a configuration that its own loader accepts', () => {
    const result = loadRenderedConfig(objects, EXTERNAL)
    expect(result.ok ? [] : result.problems).toEqual([])
  })
})
