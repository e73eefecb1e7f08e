import type { V1Container, V1ContainerPort, V1PodSpec, V1Probe } from '@kubernetes/client-node'
import { ANNOTATIONS, InjectionError, isPortName, readInjectionRequest } from './annotations.ts'
import {
  ADMIN_PORT_NAME,
  DEFAULT_PORT,
  type InjectSettings,
  NO_TOKEN_VOLUME,
  SIDECAR_NAME,
  sidecarContainer,
  sidecarVolumes,
  TMP_VOLUME,
} from './sidecar.ts'

export type InjectionResult = 'injected' | 'skipped' | 'already_injected'

export interface InjectionOutcome {
  readonly result: InjectionResult
  /** The new pod spec; the very same object when nothing was injected. */
  readonly spec: V1PodSpec
}

/** The name the application's port gets when the sidecar takes its name over: `http` → `http-app`. */
export function renamedPortName(name: string): string {
  return `${name.slice(0, 11).replace(/-+$/, '')}-app`
}

/** Whether the pod already has the sidecar, as a container or an initContainer. */
export function isInjected(spec: V1PodSpec): boolean {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])].some((c) => c.name === SIDECAR_NAME)
}

/**
 * `mutatePod`, with what happened. Pure: the input is never modified. Throws InjectionError when the
 * annotations ask for injection in a way that cannot be honoured.
 */
export function planInjection(
  spec: V1PodSpec,
  annotations: Readonly<Record<string, string>> | undefined,
  settings: InjectSettings,
): InjectionOutcome {
  const request = readInjectionRequest(annotations)
  if (request === undefined) return { result: 'skipped', spec }
  if (isInjected(spec)) return { result: 'already_injected', spec }
  if (spec.hostNetwork === true)
    throw new InjectionError(
      'a pod on the host network cannot get the sidecar: its ports would be the node’s',
    )

  const containers = spec.containers ?? []
  const allContainers = [...(spec.initContainers ?? []), ...containers]
  const ports = allContainers.flatMap((c) => (c.ports ?? []).map((p) => ({ container: c, port: p })))

  const target =
    typeof request.upstreamPort === 'number'
      ? containers.flatMap((c) =>
          (c.ports ?? []).filter((p) => p.containerPort === request.upstreamPort).map((p) => ({ c, p })),
        )[0]
      : containers.flatMap((c) =>
          (c.ports ?? []).filter((p) => p.name === request.upstreamPort).map((p) => ({ c, p })),
        )[0]
  if (typeof request.upstreamPort === 'string' && target === undefined)
    throw new InjectionError(
      `${ANNOTATIONS.upstreamPort}: no container of the pod has a port named "${request.upstreamPort}"`,
    )
  const upstreamPort = target?.p.containerPort ?? (request.upstreamPort as number)
  const port = request.port ?? DEFAULT_PORT
  const adminPort = request.adminPort ?? settings.adminPort
  const image = request.image ?? settings.image
  if (image === undefined)
    throw new InjectionError(`no sidecar image: set ${ANNOTATIONS.image} or the injector's image setting`)

  if (port === upstreamPort)
    throw new InjectionError(`${ANNOTATIONS.port} (${port}) must differ from ${ANNOTATIONS.upstreamPort}`)
  if (adminPort === port || adminPort === upstreamPort)
    throw new InjectionError(
      `the sidecar's admin port ${adminPort} collides with its own or the application's port: set ${ANNOTATIONS.adminPort}`,
    )
  for (const { container, port: p } of ports) {
    if ((p.protocol ?? 'TCP') !== 'TCP') continue
    if (p.containerPort === port || p.containerPort === adminPort)
      throw new InjectionError(
        `container ${container.name} already uses port ${p.containerPort}: choose other ports with ${ANNOTATIONS.port} / ${ANNOTATIONS.adminPort}`,
      )
  }

  // The sidecar takes over the application port's name, so Services that target it by name reach
  // fxa-gate without a change; the application's port is renamed.
  const takenName = target?.p.name
  const appPortName = takenName === undefined ? undefined : renamedPortName(takenName)
  const portName = takenName ?? SIDECAR_NAME
  const names = new Set(ports.map(({ port: p }) => p.name).filter((n) => n !== undefined))
  if (appPortName !== undefined && names.has(appPortName))
    throw new InjectionError(
      `the pod already has a port named "${appPortName}", the name its "${takenName}" port would get`,
    )
  if (takenName === undefined && names.has(SIDECAR_NAME))
    throw new InjectionError(`the pod already has a port named "${SIDECAR_NAME}"`)
  if (names.has(ADMIN_PORT_NAME))
    throw new InjectionError(`the pod already has a port named "${ADMIN_PORT_NAME}"`)
  for (const volume of spec.volumes ?? [])
    if (volume.name === TMP_VOLUME || volume.name === NO_TOKEN_VOLUME)
      throw new InjectionError(`the pod already has a volume named "${volume.name}"`)
  if (appPortName !== undefined && !isPortName(appPortName))
    throw new InjectionError(`cannot rename port "${takenName}"`)

  const sidecar = sidecarContainer(
    { image, port, portName, adminPort, upstreamPort, config: request.config },
    settings,
  )
  const renamed =
    target === undefined || takenName === undefined || appPortName === undefined
      ? containers
      : containers.map((c) => (c === target.c ? renamePort(c, target.p, takenName, appPortName) : c))
  const next: V1PodSpec = {
    ...spec,
    containers: settings.nativeSidecar ? renamed : [...renamed, sidecar],
    volumes: [...(spec.volumes ?? []), ...sidecarVolumes()],
  }
  if (settings.nativeSidecar) next.initContainers = [...(spec.initContainers ?? []), sidecar]
  return { result: 'injected', spec: next }
}

/**
 * The pure mutation behind `fxa-gate inject -f` and `fxa-gate webhook`: the pod spec with the
 * fxa-gate sidecar when the annotations ask for it, else the same spec. Idempotent.
 */
export function mutatePod(
  spec: V1PodSpec,
  annotations: Readonly<Record<string, string>> | undefined,
  settings: InjectSettings,
): V1PodSpec {
  return planInjection(spec, annotations, settings).spec
}

/** Renames a port and every probe or hook of the same container that named it (names resolve per container). */
function renamePort(container: V1Container, port: V1ContainerPort, from: string, to: string): V1Container {
  const ports = (container.ports ?? []).map((p) => (p === port ? { ...p, name: to } : p))
  const next: V1Container = { ...container, ports }
  for (const key of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
    const probe = container[key]
    if (probe !== undefined) next[key] = renameInHandler(probe, from, to)
  }
  if (container.lifecycle !== undefined) {
    const { postStart, preStop } = container.lifecycle
    next.lifecycle = {
      ...container.lifecycle,
      ...(postStart === undefined ? {} : { postStart: renameInHandler(postStart, from, to) }),
      ...(preStop === undefined ? {} : { preStop: renameInHandler(preStop, from, to) }),
    }
  }
  return next
}

function renameInHandler<T extends Pick<V1Probe, 'httpGet' | 'tcpSocket'>>(
  handler: T,
  from: string,
  to: string,
): T {
  const next = { ...handler }
  if (handler.httpGet?.port === from) next.httpGet = { ...handler.httpGet, port: to }
  if (handler.tcpSocket?.port === from) next.tcpSocket = { ...handler.tcpSocket, port: to }
  return next
}
