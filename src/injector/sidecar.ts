import type { V1Container, V1EnvFromSource, V1Volume } from '@kubernetes/client-node'
import type { ConfigSource } from './annotations.ts'

/** What the injected sidecar looks like, apart from the pod it goes into. */
export interface InjectSettings {
  readonly image: string | undefined
  readonly imagePullPolicy: 'IfNotPresent' | 'Always' | 'Never'
  /** An initContainer with `restartPolicy: Always` (Kubernetes ≥ 1.29) instead of a regular container. */
  readonly nativeSidecar: boolean
  readonly adminPort: number
  readonly cpuRequest: string
  readonly cpuLimit: string | undefined
  readonly memoryRequest: string
  readonly memoryLimit: string
}

export const DEFAULT_PORT = 4180
export const SIDECAR_NAME = 'fxa-gate'
export const ADMIN_PORT_NAME = 'fxa-gate-admin'
export const TMP_VOLUME = 'fxa-gate-tmp'
export const NO_TOKEN_VOLUME = 'fxa-gate-no-sa-token'
const SA_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount'
/** The chart's container user: distroless `nonroot`. */
const UID = 65532

export interface SidecarPlan {
  readonly image: string
  readonly port: number
  readonly portName: string
  readonly adminPort: number
  readonly upstreamPort: number
  readonly config: ConfigSource | undefined
}

function envFrom(config: ConfigSource | undefined): V1EnvFromSource[] | undefined {
  if (config === undefined) return undefined
  switch (config.kind) {
    case 'secret':
      return [{ secretRef: { name: config.name } }]
    case 'configmap':
      return [{ configMapRef: { name: config.name } }]
    case 'either':
      // The annotation names one object without saying its kind: whichever exists is used.
      return [
        { configMapRef: { name: config.name, optional: true } },
        { secretRef: { name: config.name, optional: true } },
      ]
  }
}

/**
 * The fxa-gate container, hardened like the chart's pods (non-root, read-only root filesystem, no
 * capabilities, seccomp RuntimeDefault), whatever the pod's own security context says. `env` comes
 * after `envFrom` and wins, so the listen addresses always match the ports and probes.
 */
export function sidecarContainer(plan: SidecarPlan, settings: InjectSettings): V1Container {
  const probe = (path: string) => ({ httpGet: { path, port: ADMIN_PORT_NAME } })
  const container: V1Container = {
    name: SIDECAR_NAME,
    image: plan.image,
    imagePullPolicy: settings.imagePullPolicy,
    args: ['serve'],
    ports: [
      { name: plan.portName, containerPort: plan.port, protocol: 'TCP' },
      { name: ADMIN_PORT_NAME, containerPort: plan.adminPort, protocol: 'TCP' },
    ],
    envFrom: envFrom(plan.config),
    env: [
      { name: 'FXA_GATE_UPSTREAM', value: `http://127.0.0.1:${plan.upstreamPort}` },
      { name: 'FXA_GATE_LISTEN', value: `0.0.0.0:${plan.port}` },
      { name: 'FXA_GATE_ADMIN_LISTEN', value: `0.0.0.0:${plan.adminPort}` },
    ],
    startupProbe: { ...probe('/healthz'), periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 30 },
    livenessProbe: { ...probe('/healthz'), periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
    readinessProbe: { ...probe('/readyz'), periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
    resources: {
      requests: { cpu: settings.cpuRequest, memory: settings.memoryRequest },
      limits: {
        memory: settings.memoryLimit,
        ...(settings.cpuLimit === undefined ? {} : { cpu: settings.cpuLimit }),
      },
    },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: UID,
      runAsGroup: UID,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: [
      { name: TMP_VOLUME, mountPath: '/tmp' },
      // fxa-gate never calls the Kubernetes API: an empty directory where the token would be keeps the
      // ServiceAccount admission plugin from mounting the pod's token into this container.
      { name: NO_TOKEN_VOLUME, mountPath: SA_TOKEN_PATH, readOnly: true },
    ],
  }
  if (container.envFrom === undefined) delete container.envFrom
  if (settings.nativeSidecar) container.restartPolicy = 'Always'
  return container
}

export function sidecarVolumes(): V1Volume[] {
  return [
    // The root filesystem is read-only; Node.js may still want a scratch /tmp.
    { name: TMP_VOLUME, emptyDir: { sizeLimit: '64Mi' } },
    { name: NO_TOKEN_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
  ]
}
