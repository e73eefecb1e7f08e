import { z } from 'zod'
import { parseDuration } from './duration.ts'
import { listenAddressSchema } from './listen.ts'
import { CONFIG_KEYS, type KeyDefinition, type KeyKind } from './schema.ts'

/**
 * The keys of the injector (`fxa-gate inject` and `fxa-gate webhook`). They are a set of their own:
 * the injector never proxies or logs anyone in, so none of the gate's required keys (clientId,
 * publicUrl, cookieSecrets…) apply to it, and the gate ignores these. Same conventions as
 * CONFIG_KEYS: `FXA_GATE_<KEY>` in the environment, docs and defaults beside each key.
 */
function key<S extends z.ZodType>(kind: KeyKind, schema: S, doc: string): KeyDefinition<S> {
  return { kind, schema, doc }
}

const quantity = z
  .string()
  .regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'expected a Kubernetes quantity such as 50m or 96Mi')
const dnsName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, 'expected a DNS name')
const objectName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/, 'expected a Kubernetes object name')
const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value)
  if (ms === undefined || ms < 1000) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration of at least 1s, such as 10s or 1m' })
    return z.NEVER
  }
  return ms
})
/** An image reference pinned to a tag other than latest, or to a digest. */
export const pinnedImage = z
  .string()
  .regex(
    /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:(?!latest$)[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/,
    'expected an image pinned to a tag (not latest) or a digest, e.g. ghcr.io/fxa-gate/fxa-gate:0.1.0',
  )
const port = z.number().int().min(1).max(65535)

export const INJECTOR_KEYS = {
  injectImage: key(
    'string',
    pinnedImage.optional(),
    'Image of the injected fxa-gate sidecar (required by the webhook; `inject -f` also takes --image); a pod annotation fxa-gate.io/image overrides it',
  ),
  injectImagePullPolicy: key(
    'string',
    z.enum(['IfNotPresent', 'Always', 'Never']).default('IfNotPresent'),
    'imagePullPolicy of the injected sidecar',
  ),
  injectNativeSidecar: key(
    'bool',
    z.boolean().default(true),
    'Inject a native sidecar (an initContainer with restartPolicy Always, Kubernetes ≥ 1.29); false: a regular container, for older clusters',
  ),
  injectAdminPort: key(
    'int',
    port.default(9180),
    "The sidecar's admin port (healthz, readyz, metrics; the probes use it); a pod annotation fxa-gate.io/admin-port overrides it",
  ),
  injectCpuRequest: key('string', quantity.default('50m'), 'CPU request of the injected sidecar'),
  injectCpuLimit: key('string', quantity.optional(), 'CPU limit of the injected sidecar (absent: none)'),
  injectMemoryRequest: key('string', quantity.default('96Mi'), 'Memory request of the injected sidecar'),
  injectMemoryLimit: key('string', quantity.default('256Mi'), 'Memory limit of the injected sidecar'),

  webhookListen: key(
    'string',
    listenAddressSchema('0.0.0.0:8443').default('0.0.0.0:8443'),
    'Webhook: HTTPS listener for POST /mutate, /healthz, /readyz and /metrics',
  ),
  webhookTlsCertFile: key(
    'string',
    z.string().min(1).optional(),
    'Webhook: serving certificate (PEM, with its chain), re-read when it changes; e.g. from a cert-manager Secret',
  ),
  webhookTlsKeyFile: key(
    'string',
    z.string().min(1).optional(),
    'Webhook: private key of the serving certificate (PEM), re-read when it changes',
  ),
  webhookTlsReloadInterval: key(
    'duration',
    duration.prefault('10s'),
    'Webhook: how often the certificate files (or the bootstrap Secret) are checked for a change',
  ),
  webhookTlsSecret: key(
    'string',
    objectName.optional(),
    'Webhook, self-bootstrapped TLS: the Secret (in webhookNamespace) holding the CA and serving certificate the injector creates; instead of the _FILE keys',
  ),
  webhookNamespace: key(
    'string',
    objectName.optional(),
    "Webhook, self-bootstrapped TLS: the injector's namespace (the chart sets it from the downward API)",
  ),
  webhookConfigurationName: key(
    'string',
    objectName.optional(),
    'Webhook, self-bootstrapped TLS: the MutatingWebhookConfiguration whose caBundle the injector keeps up to date',
  ),
  webhookDnsNames: key(
    'list',
    z.array(dnsName).default([]),
    "Webhook, self-bootstrapped TLS: the serving certificate's DNS names (the Service's names)",
  ),
  // The same variable as the gate's FXA_GATE_LOG_LEVEL: one definition, so both read it alike.
  logLevel: CONFIG_KEYS.logLevel,
} as const satisfies Record<string, KeyDefinition>

export type InjectorKey = keyof typeof INJECTOR_KEYS

const shape = Object.fromEntries(Object.entries(INJECTOR_KEYS).map(([name, def]) => [name, def.schema])) as {
  [K in InjectorKey]: (typeof INJECTOR_KEYS)[K]['schema']
}

export const injectorSchema = z.object(shape).strict()

export type InjectorConfig = Readonly<z.output<typeof injectorSchema>>
