import { X509Certificate } from 'node:crypto'
import { ApiException, type V1MutatingWebhookConfiguration, type V1Secret } from '@kubernetes/client-node'
import { describe, expect, it } from 'vitest'
import { openBootstrapTls } from '../../../src/injector/bootstrap-tls.ts'
import type { KubeAccess } from '../../../src/injector/kube-access.ts'
import { createLogger } from '../../../src/observability/logger.ts'

const DAY = 86_400_000
const DNS = ['fxa-gate-injector.fxa-gate.svc']

/** The two objects in memory, with resourceVersions and conflicts like the API server's. */
function fakeKube(options: { conflictsOnce?: boolean } = {}) {
  let secret: V1Secret | undefined = { metadata: { name: 's', resourceVersion: '1' }, type: 'Opaque' }
  let webhook: V1MutatingWebhookConfiguration = {
    metadata: { name: 'w', resourceVersion: '1' },
    webhooks: [
      { name: 'a.fxa-gate.io', clientConfig: {}, admissionReviewVersions: ['v1'], sideEffects: 'None' },
      { name: 'b.fxa-gate.io', clientConfig: {}, admissionReviewVersions: ['v1'], sideEffects: 'None' },
    ],
  }
  let conflict = options.conflictsOnce ?? false
  const writes = { secret: 0, webhook: 0 }
  const bump = (version: string | undefined) => String(Number(version ?? '0') + 1)
  const access: KubeAccess = {
    readSecret: async () => structuredClone(secret),
    createSecret: async () => {
      throw new ApiException(403, 'forbidden', {}, {})
    },
    replaceSecret: async (body) => {
      if (conflict || body.metadata?.resourceVersion !== secret?.metadata?.resourceVersion) {
        conflict = false
        throw new ApiException(409, 'conflict', {}, {})
      }
      writes.secret++
      secret = {
        ...body,
        metadata: { ...body.metadata, resourceVersion: bump(secret?.metadata?.resourceVersion) },
      }
      return secret
    },
    readWebhook: async () => structuredClone(webhook),
    replaceWebhook: async (body) => {
      writes.webhook++
      webhook = {
        ...body,
        metadata: { ...body.metadata, resourceVersion: bump(webhook.metadata?.resourceVersion) },
      }
      return webhook
    },
  }
  return {
    access,
    writes,
    secret: () => secret,
    bundle: () =>
      webhook.webhooks?.map((w) => Buffer.from(w.clientConfig.caBundle ?? '', 'base64').toString()),
    setSecret: (next: V1Secret | undefined) => {
      secret = next
    },
  }
}

function open(kube: ReturnType<typeof fakeKube>, now: Date) {
  return openBootstrapTls({
    kube: kube.access,
    namespace: 'fxa-gate',
    secretName: 's',
    webhookName: 'w',
    dnsNames: DNS,
    intervalMs: 3_600_000,
    logger: createLogger({ level: 'silent' }),
    now: () => now,
  })
}

const data = (secret: V1Secret | undefined, key: string) =>
  Buffer.from(secret?.data?.[key] ?? '', 'base64').toString()

describe('self-bootstrapped webhook TLS', () => {
  it('fills the empty Secret, and sets the caBundle of every webhook in the configuration', async () => {
    const kube = fakeKube()
    const source = await open(kube, new Date())
    expect(source.ready()).toBe(true)
    expect(kube.bundle()).toEqual([data(kube.secret(), 'ca.crt'), data(kube.secret(), 'ca.crt')])
    expect(source.current()?.cert).toBe(data(kube.secret(), 'tls.crt'))
    source.close()
  })

  it('retries when another replica wrote the Secret first (409)', async () => {
    const kube = fakeKube({ conflictsOnce: true })
    const source = await open(kube, new Date())
    expect(kube.writes.secret).toBe(1)
    source.close()
  })

  it('changes nothing while the certificates are good', async () => {
    const kube = fakeKube()
    ;(await open(kube, new Date())).close()
    const writes = { ...kube.writes }
    ;(await open(kube, new Date(Date.now() + 100 * DAY))).close()
    expect(kube.writes).toEqual(writes)
  })

  it('renews the serving certificate 30 days before it expires, with the same CA', async () => {
    const kube = fakeKube()
    ;(await open(kube, new Date())).close()
    const ca = data(kube.secret(), 'ca.crt')
    const cert = data(kube.secret(), 'tls.crt')
    const later = new Date(Date.now() + 340 * DAY)
    ;(await open(kube, later)).close()
    expect(data(kube.secret(), 'ca.crt')).toBe(ca)
    expect(data(kube.secret(), 'tls.crt')).not.toBe(cert)
    expect(new Date(new X509Certificate(data(kube.secret(), 'tls.crt')).validTo).getTime()).toBeGreaterThan(
      later.getTime() + 300 * DAY,
    )
  })

  it('rotates the CA in its last year, keeping the old one in the caBundle while it is valid', async () => {
    const kube = fakeKube()
    ;(await open(kube, new Date())).close()
    const oldCa = data(kube.secret(), 'ca.crt')
    const late = new Date(Date.now() + 3400 * DAY)
    ;(await open(kube, late)).close()
    const newCa = data(kube.secret(), 'ca.crt')
    expect(newCa).not.toBe(oldCa)
    expect(kube.bundle()?.[0]).toBe(newCa + oldCa)
    // Once the old CA has expired, it leaves the bundle.
    ;(await open(kube, new Date(Date.now() + 3700 * DAY))).close()
    expect(kube.bundle()?.[0]).toBe(data(kube.secret(), 'ca.crt'))
  })

  it('fails at start-up when it may not write the Secret (missing, and RBAC cannot allow create by name)', async () => {
    const kube = fakeKube()
    kube.setSecret(undefined)
    await expect(open(kube, new Date())).rejects.toThrow(/forbidden/)
  })

  it('replaces a serving certificate that does not match the DNS names or its key', async () => {
    const kube = fakeKube()
    ;(await open(kube, new Date())).close()
    const secret = structuredClone(kube.secret()) as V1Secret
    const other = fakeKube()
    ;(await open(other, new Date())).close()
    secret.data!['tls.key'] = other.secret()!.data!['tls.key']!
    kube.setSecret(secret)
    const source = await open(kube, new Date())
    expect(data(kube.secret(), 'tls.key')).not.toBe(data(other.secret(), 'tls.key'))
    expect(source.current()?.key).toBe(data(kube.secret(), 'tls.key'))
    source.close()
  })
})
