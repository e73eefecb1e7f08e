/** What the chart's pods must look like: shared by the scenario, deploy/ and sidecar-example tests. */
import { loadConfig } from '../../src/config/load.ts'
import type { ExternalObjects } from './external-objects.ts'
import type { K8sObject, Rendered } from './tools.ts'

// biome-ignore lint/suspicious/noExplicitAny: a pod spec as rendered, already schema-validated
type PodSpec = any
// biome-ignore lint/suspicious/noExplicitAny: as above
type Container = any

export function podSpecs(objects: readonly Rendered[]): { owner: string; spec: PodSpec }[] {
  return objects
    .filter(({ object }) => object.spec?.template?.spec)
    .map(({ object }) => ({
      owner: `${object.kind}/${object.metadata.name}`,
      spec: object.spec.template.spec,
    }))
}

/** Everything in a pod that would let it run as root or with more power than it needs. */
export function hardeningProblems(spec: PodSpec): string[] {
  const problems: string[] = []
  const pod = spec.securityContext ?? {}
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) problems.push('uses a host namespace')
  if (spec.automountServiceAccountToken !== false) problems.push('mounts a service account token')
  for (const c of [...(spec.initContainers ?? []), ...spec.containers] as Container[]) {
    const sc = c.securityContext ?? {}
    const runAsNonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot
    const runAsUser = sc.runAsUser ?? pod.runAsUser
    const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type
    if (runAsNonRoot !== true) problems.push(`${c.name}: runAsNonRoot is not true`)
    if (runAsUser === undefined || runAsUser === 0)
      problems.push(`${c.name}: runs as uid ${runAsUser ?? '(image default)'}`)
    if ((sc.runAsGroup ?? pod.runAsGroup) === 0) problems.push(`${c.name}: runs as gid 0`)
    if (sc.privileged === true) problems.push(`${c.name}: privileged`)
    if (sc.allowPrivilegeEscalation !== false)
      problems.push(`${c.name}: allowPrivilegeEscalation is not false`)
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${c.name}: root filesystem is writable`)
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${c.name}: capabilities not dropped`)
    if ((sc.capabilities?.add ?? []).length > 0) problems.push(`${c.name}: adds capabilities`)
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      problems.push(`${c.name}: no seccomp profile`)
    if (!c.resources?.requests?.memory || !c.resources?.limits?.memory)
      problems.push(`${c.name}: no memory request/limit`)
    if (/:latest$|^[^:@]+$/.test(c.image)) problems.push(`${c.name}: image ${c.image} is not pinned to a tag`)
  }
  return problems
}

export function find(objects: readonly Rendered[], kind: string, nameSuffix = ''): K8sObject | undefined {
  return objects.map((r) => r.object).find((o) => o.kind === kind && o.metadata.name.endsWith(nameSuffix))
}

export function gateDeployment(objects: readonly Rendered[]): K8sObject {
  const deployment = objects
    .map((r) => r.object)
    .find((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] === 'gate')
  if (!deployment) throw new Error('no fxa-gate Deployment rendered')
  return deployment
}

/**
 * Feeds the configuration a pod would see to the application's own loader: the variables of every
 * ConfigMap in envFrom, then the container's env (which wins), and the files of every Secret volume it
 * mounts. `external` holds the ConfigMaps and Secrets the release refers to but does not create.
 */
export function loadRenderedConfig(objects: readonly Rendered[], external: ExternalObjects = {}) {
  const all = objects.map((r) => r.object)
  const deployment = all.find(
    (o) =>
      o.kind === 'Deployment' &&
      o.spec.template.spec.containers.some((c: Container) => c.name === 'fxa-gate'),
  )
  if (!deployment) throw new Error('no Deployment with an fxa-gate container')
  const pod = deployment.spec.template.spec
  const container = pod.containers.find((c: Container) => c.name === 'fxa-gate')
  const named = (kind: string, name: string) => all.find((o) => o.kind === kind && o.metadata.name === name)
  const configMapData = (name: string): Record<string, string> => {
    const data = named('ConfigMap', name)?.data ?? external.configMaps?.[name]
    if (!data) throw new Error(`the pod reads the ConfigMap ${name}, which is neither rendered nor external`)
    return data
  }
  const secretData = (name: string): Record<string, string> => {
    const secret = named('Secret', name)
    if (secret)
      return Object.fromEntries(
        Object.entries(secret.data as Record<string, string>).map(([k, v]) => [
          k,
          Buffer.from(v, 'base64').toString(),
        ]),
      )
    const data = external.secrets?.[name]
    if (!data) throw new Error(`the pod mounts the Secret ${name}, which is neither rendered nor external`)
    return data
  }
  const env: Record<string, string> = {}
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, configMapData(source.configMapRef.name))
  }
  for (const variable of container.env ?? []) env[variable.name] = variable.value
  const files = new Map<string, string | undefined>()
  for (const mount of container.volumeMounts ?? []) {
    const volume = pod.volumes.find((v: Container) => v.name === mount.name)
    if (!volume?.secret) continue
    const data = secretData(volume.secret.secretName)
    for (const item of volume.secret.items ?? []) files.set(`${mount.mountPath}/${item.path}`, data[item.key])
  }
  return loadConfig({
    env,
    readFile: (path) => {
      const content = files.get(path)
      if (content === undefined) throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' })
      return content
    },
  })
}
