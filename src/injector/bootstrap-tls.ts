import { X509Certificate } from 'node:crypto'
import type { V1Secret } from '@kubernetes/client-node'
import type { Logger } from '../observability/logger.ts'
import { createCa, createServingCert, type PemPair, servingCertUsable } from './certificates.ts'
import { apiStatus, type KubeAccess } from './kube-access.ts'
import { repeatEvery } from './periodic.ts'
import { type TlsMaterial, type TlsSource, tlsMaterial } from './tls-material.ts'

export interface BootstrapOptions {
  readonly kube: KubeAccess
  readonly namespace: string
  readonly secretName: string
  readonly webhookName: string
  readonly dnsNames: readonly string[]
  readonly intervalMs: number
  readonly logger: Logger
  readonly now?: () => Date
}

const CA_DAYS = 3650
const SERVING_DAYS = 365
/** A serving certificate is renewed this long before it expires; the CA when it has a year left. */
const RENEW_DAYS = 30
const CA_RENEW_DAYS = 400
const KEYS = { ca: 'ca.crt', caKey: 'ca.key', previousCa: 'ca-previous.crt', cert: 'tls.crt', key: 'tls.key' }

function decode(secret: V1Secret | undefined, key: string): string | undefined {
  const value = secret?.data?.[key]
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8')
}

function encode(data: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]))
}

/** What the Secret should hold now: the same data when it is still good, else renewed parts. */
async function desiredData(
  secret: V1Secret | undefined,
  dnsNames: readonly string[],
  now: Date,
): Promise<{ data: Record<string, string>; changed: boolean }> {
  const ca = { cert: decode(secret, KEYS.ca) ?? '', key: decode(secret, KEYS.caKey) ?? '' }
  const serving = { cert: decode(secret, KEYS.cert) ?? '', key: decode(secret, KEYS.key) ?? '' }
  const kept = decode(secret, KEYS.previousCa)
  // A previous CA stays in the bundle only while certificates it signed can still be valid.
  const previous =
    kept !== undefined && caStillGood({ cert: kept, key: '' }, now, 0, false) ? kept : undefined
  const caUsable = servingCertUsable(serving, ca, dnsNames, now, RENEW_DAYS) || caStillGood(ca, now)
  let nextCa: PemPair = ca
  let previousCa = previous
  if (!caUsable) {
    nextCa = await createCa('fxa-gate-injector-ca', now, CA_DAYS)
    // The old CA stays in the caBundle until it expires, so pods holding its certificate still verify.
    previousCa = ca.cert !== '' && caStillGood(ca, now, 0) ? ca.cert : undefined
  }
  let nextServing: PemPair = serving
  if (!servingCertUsable(serving, nextCa, dnsNames, now, RENEW_DAYS))
    nextServing = await createServingCert(nextCa, dnsNames, now, SERVING_DAYS)
  const data: Record<string, string> = {
    [KEYS.ca]: nextCa.cert,
    [KEYS.caKey]: nextCa.key,
    [KEYS.cert]: nextServing.cert,
    [KEYS.key]: nextServing.key,
    ...(previousCa === undefined ? {} : { [KEYS.previousCa]: previousCa }),
  }
  const changed = Object.entries(data).some(([k, v]) => decode(secret, k) !== v)
  return { data, changed }
}

function caStillGood(ca: PemPair, now: Date, marginDays = CA_RENEW_DAYS, withKey = true): boolean {
  if (ca.cert === '' || (withKey && ca.key === '')) return false
  if (!withKey) return expiresAfter(ca.cert, now.getTime() + marginDays * 86_400_000)
  // A CA signs itself: it is its own serving pair for this check (no DNS names).
  return servingCertUsable(ca, ca, [], now, marginDays)
}

function expiresAfter(cert: string, time: number): boolean {
  try {
    return new Date(new X509Certificate(cert).validTo).getTime() > time
  } catch {
    return false
  }
}

/**
 * Self-bootstrapped webhook TLS: keeps a CA and a serving certificate in the Secret (creating or
 * renewing them when needed), keeps the MutatingWebhookConfiguration's caBundle equal to the CA,
 * and serves what the Secret holds, so every replica serves the same pair. Replicas race safely:
 * writes carry the resourceVersion they read, and a conflict means another replica won.
 */
export async function openBootstrapTls(options: BootstrapOptions): Promise<TlsSource & { ready(): boolean }> {
  const now = options.now ?? (() => new Date())
  let current: TlsMaterial | undefined
  let bundled = false
  const listeners: ((material: TlsMaterial) => void)[] = []

  const reconcile = async (): Promise<void> => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const secret = await options.kube.readSecret()
      const { data, changed } = await desiredData(secret, options.dnsNames, now())
      if (changed) {
        const body: V1Secret = {
          ...(secret ?? {}),
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { ...(secret?.metadata ?? {}), name: options.secretName, namespace: options.namespace },
          type: secret?.type ?? 'Opaque',
          data: { ...(secret?.data ?? {}), ...encode(data) },
        }
        try {
          if (secret === undefined) await options.kube.createSecret(body)
          else await options.kube.replaceSecret(body)
          options.logger.info({ secret: options.secretName }, 'webhook certificate issued')
        } catch (error) {
          if (apiStatus(error) === 409) continue
          throw error
        }
      }
      const material = tlsMaterial(data[KEYS.cert] ?? '', data[KEYS.key] ?? '')
      if (current === undefined || current.cert !== material.cert) {
        const first = current === undefined
        current = material
        if (!first) for (const listener of listeners) listener(material)
      }
      await patchCaBundle([data[KEYS.ca], data[KEYS.previousCa]].filter((c) => c !== undefined).join(''))
      bundled = true
      return
    }
    throw new Error('the webhook Secret kept changing under this replica; will try again')
  }

  const patchCaBundle = async (bundle: string): Promise<void> => {
    const encoded = Buffer.from(bundle).toString('base64')
    for (let attempt = 0; attempt < 5; attempt++) {
      const webhook = await options.kube.readWebhook()
      const hooks = webhook.webhooks ?? []
      if (hooks.every((hook) => hook.clientConfig.caBundle === encoded)) return
      const body = {
        ...webhook,
        webhooks: hooks.map((hook) => ({
          ...hook,
          clientConfig: { ...hook.clientConfig, caBundle: encoded },
        })),
      }
      try {
        await options.kube.replaceWebhook(body)
        options.logger.info({ webhook: options.webhookName }, 'webhook caBundle updated')
        return
      } catch (error) {
        if (apiStatus(error) !== 409) throw error
      }
    }
    throw new Error('the MutatingWebhookConfiguration kept changing under this replica; will try again')
  }

  await reconcile()
  const stop = repeatEvery(options.intervalMs, reconcile, (error) =>
    options.logger.warn(
      { err: { message: (error as Error).message, status: apiStatus(error) } },
      'webhook TLS bootstrap check failed; still serving the current certificate',
    ),
  )
  return {
    current: () => current,
    onChange: (listener) => {
      listeners.push(listener)
    },
    ready: () => bundled,
    close: stop,
  }
}
