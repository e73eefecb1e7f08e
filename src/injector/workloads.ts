/**
 * Where each workload kind keeps its pod template, as a path in the object. Kinds from other API
 * groups (an Argo Rollout, a Knative Service) are left alone: their shape is not ours to guess.
 */
const TEMPLATE_PATHS: Record<
  string,
  { readonly apiVersions: readonly string[]; readonly path: readonly string[] }
> = {
  Pod: { apiVersions: ['v1'], path: [] },
  Deployment: { apiVersions: ['apps/v1'], path: ['spec', 'template'] },
  StatefulSet: { apiVersions: ['apps/v1'], path: ['spec', 'template'] },
  DaemonSet: { apiVersions: ['apps/v1'], path: ['spec', 'template'] },
  ReplicaSet: { apiVersions: ['apps/v1'], path: ['spec', 'template'] },
  ReplicationController: { apiVersions: ['v1'], path: ['spec', 'template'] },
  Job: { apiVersions: ['batch/v1'], path: ['spec', 'template'] },
  CronJob: { apiVersions: ['batch/v1'], path: ['spec', 'jobTemplate', 'spec', 'template'] },
}

/** The path of the pod template (metadata + spec) in a workload, or undefined for other objects. */
export function podTemplatePath(object: unknown): readonly string[] | undefined {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return undefined
  const { kind, apiVersion } = object as { kind?: unknown; apiVersion?: unknown }
  if (typeof kind !== 'string' || typeof apiVersion !== 'string') return undefined
  const entry = Object.hasOwn(TEMPLATE_PATHS, kind) ? TEMPLATE_PATHS[kind] : undefined
  return entry?.apiVersions.includes(apiVersion) ? entry.path : undefined
}

/** Human name of an object for messages: `Deployment web/shop`. */
export function describeObject(object: unknown): string {
  const o = object as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } }
  const name = typeof o.metadata?.name === 'string' ? o.metadata.name : '(unnamed)'
  const namespace = typeof o.metadata?.namespace === 'string' ? `${o.metadata.namespace}/` : ''
  return `${typeof o.kind === 'string' ? o.kind : 'object'} ${namespace}${name}`
}
