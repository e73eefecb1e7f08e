/**
 * Validates rendered objects against the Kubernetes API schemas, offline: each kubernetes-models class
 * carries a validator compiled from the Kubernetes OpenAPI schema of its kind (types, enums, required
 * fields, formats); the ServiceMonitor and PrometheusRule ones come from the prometheus-operator CRDs, HTTPRoute from
 * the Gateway API CRDs, Certificate and Issuer from cert-manager's. They are installed
 * into .tools/k8s-models (see mk/chart.mk), outside the project's dependencies. They let unknown fields
 * through; strictDecodingErrors() catches those.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { K8S_MODELS, type K8sObject, TOOLS } from './tools.ts'

interface ModelClass {
  new (data: unknown): { validate(): void }
}

/** Where the model of an apiVersion/kind lives: `apps/v1` → kubernetes-models/apps/v1/Deployment.js. */
function modelPath(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion]
  const pkg =
    group === 'monitoring.coreos.com'
      ? '@kubernetes-models/prometheus-operator'
      : group === 'gateway.networking.k8s.io'
        ? '@kubernetes-models/gateway-api'
        : group === 'cert-manager.io'
          ? '@kubernetes-models/cert-manager'
          : 'kubernetes-models'
  return join(K8S_MODELS, pkg, group === '' ? `${version}` : `${group}/${version}`, `${kind}.js`)
}

const models = new Map<string, Promise<ModelClass>>()

async function loadModel(apiVersion: string, kind: string): Promise<ModelClass> {
  const path = modelPath(apiVersion, kind)
  if (!existsSync(path)) throw new Error(`no schema for ${apiVersion} ${kind} (looked for ${path})`)
  const module = (await import(pathToFileURL(path).href)) as Record<string, ModelClass>
  const model = module[kind]
  if (!model) throw new Error(`${path} exports no ${kind}`)
  return model
}

/** The schema violations of one object: empty when it is valid. An unknown kind is a violation. */
export async function schemaErrors(object: K8sObject): Promise<string[]> {
  const key = `${object.apiVersion} ${object.kind}`
  if (!models.has(key)) models.set(key, loadModel(object.apiVersion, object.kind))
  try {
    const Model = await models.get(key)!
    new Model(object).validate()
    return []
  } catch (error) {
    const failure = error as { errors?: { instancePath: string; message?: string }[]; message: string }
    if (!failure.errors) return [failure.message]
    return failure.errors.map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`)
  }
}

/**
 * Unknown or duplicated fields in a multi-document manifest, found by decoding each built-in object
 * strictly into its Kubernetes Go type (test/chart/kubestrict), as the API server's strict field
 * validation would. Empty when there are none.
 */
export function strictDecodingErrors(manifests: string): string[] {
  const run = spawnSync(join(TOOLS, 'bin/kubestrict'), { input: manifests, encoding: 'utf8' })
  if (run.error) throw run.error
  if (run.status !== 0 && run.stdout.trim() === '') throw new Error(`kubestrict failed: ${run.stderr}`)
  return run.stdout.split('\n').filter(Boolean)
}
