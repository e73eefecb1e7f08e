import { pinnedImage } from '../config/injector-schema.ts'

/** The pod-template annotations the injector reads. The names are a contract. */
export const ANNOTATIONS = {
  inject: 'fxa-gate.io/inject',
  upstreamPort: 'fxa-gate.io/upstream-port',
  port: 'fxa-gate.io/port',
  adminPort: 'fxa-gate.io/admin-port',
  config: 'fxa-gate.io/config',
  image: 'fxa-gate.io/image',
} as const

/** The label of a namespace whose pods the webhook sees (the MutatingWebhookConfiguration selects it). */
export const NAMESPACE_LABEL = 'fxa-gate.io/injection'

/** A request for injection that cannot be honoured; its message names the annotation and the fix. */
export class InjectionError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InjectionError'
  }
}

/** Where the sidecar reads its FXA_GATE_* settings from (`envFrom`). */
export type ConfigSource =
  | { readonly kind: 'either'; readonly name: string }
  | { readonly kind: 'secret' | 'configmap'; readonly name: string }

export interface InjectionRequest {
  /** A port number, or the name of a container port of the pod. */
  readonly upstreamPort: number | string
  readonly port: number | undefined
  readonly adminPort: number | undefined
  readonly config: ConfigSource | undefined
  readonly image: string | undefined
}

const OBJECT_NAME = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/

/** A Kubernetes port name (IANA_SVC_NAME): 1–15 lower-case letters, digits and single dashes. */
export function isPortName(value: string): boolean {
  return (
    /^[a-z0-9-]{1,15}$/.test(value) &&
    /[a-z]/.test(value) &&
    !value.startsWith('-') &&
    !value.endsWith('-') &&
    !value.includes('--')
  )
}

function portNumber(annotation: string, value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 65535)
    throw new InjectionError(`${annotation}: expected a port number from 1 to 65535, got "${value}"`)
  return Number(value)
}

function configSource(value: string): ConfigSource {
  const match = /^(?:(secret|configmap)\/)?(.*)$/.exec(value.trim())
  const name = match?.[2] ?? ''
  if (!OBJECT_NAME.test(name))
    throw new InjectionError(
      `${ANNOTATIONS.config}: expected the name of a Secret or ConfigMap (optionally secret/<name> or configmap/<name>), got "${value}"`,
    )
  const kind = match?.[1] as 'secret' | 'configmap' | undefined
  return kind === undefined ? { kind: 'either', name } : { kind, name }
}

/**
 * Reads the annotations: `undefined` when the pod does not ask for injection, the request when it
 * does, and an InjectionError when it asks in a way that cannot be honoured. Only "true" and "false"
 * are accepted as the switch: a typo must not leave a service unprotected without a word.
 */
export function readInjectionRequest(
  annotations: Readonly<Record<string, string>> | undefined,
): InjectionRequest | undefined {
  const get = (name: string): string | undefined => annotations?.[name]
  const inject = get(ANNOTATIONS.inject)?.trim().toLowerCase()
  if (inject === undefined || inject === 'false') return undefined
  if (inject !== 'true')
    throw new InjectionError(
      `${ANNOTATIONS.inject}: expected "true" or "false", got "${get(ANNOTATIONS.inject)}"`,
    )

  const upstream = get(ANNOTATIONS.upstreamPort)?.trim()
  if (upstream === undefined || upstream === '')
    throw new InjectionError(`${ANNOTATIONS.upstreamPort} is required: the port the application listens on`)
  const upstreamPort = /^\d+$/.test(upstream) ? portNumber(ANNOTATIONS.upstreamPort, upstream) : upstream
  if (typeof upstreamPort === 'string' && !isPortName(upstreamPort))
    throw new InjectionError(
      `${ANNOTATIONS.upstreamPort}: expected a port number or the name of a container port, got "${upstream}"`,
    )

  const optionalPort = (name: string) => {
    const value = get(name)?.trim()
    return value === undefined || value === '' ? undefined : portNumber(name, value)
  }
  const configValue = get(ANNOTATIONS.config)
  const image = get(ANNOTATIONS.image)?.trim()
  if (image !== undefined && image !== '' && !pinnedImage.safeParse(image).success)
    throw new InjectionError(
      `${ANNOTATIONS.image}: expected an image pinned to a tag (not latest) or a digest, got "${image}"`,
    )
  return {
    upstreamPort,
    port: optionalPort(ANNOTATIONS.port),
    adminPort: optionalPort(ANNOTATIONS.adminPort),
    config: configValue === undefined || configValue.trim() === '' ? undefined : configSource(configValue),
    image: image === undefined || image === '' ? undefined : image,
  }
}
