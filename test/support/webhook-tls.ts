import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadInjectorConfig } from '../../src/config/injector-load.ts'
import { createCa, createServingCert, type PemPair } from '../../src/injector/certificates.ts'
import { type RunningWebhook, startWebhook } from '../../src/injector/webhook-command.ts'
import { createLogger } from '../../src/observability/logger.ts'

export interface WebhookTls {
  readonly ca: PemPair
  readonly certFile: string
  readonly keyFile: string
  /** Writes a new serving pair (from the same CA) over the files. */
  rotate(): Promise<PemPair>
  cleanup(): Promise<void>
}

/** A CA and a serving certificate for 127.0.0.1 and localhost, written to files as cert-manager would. */
export async function webhookTls(): Promise<WebhookTls> {
  const dir = await mkdtemp(join(tmpdir(), 'fxa-gate-webhook-tls-'))
  const ca = await createCa('fxa-gate-test-webhook-ca', new Date(), 2)
  const certFile = join(dir, 'tls.crt')
  const keyFile = join(dir, 'tls.key')
  const rotate = async () => {
    const pair = await createServingCert(ca, ['127.0.0.1', 'localhost'], new Date(), 1)
    await writeFile(keyFile, pair.key)
    await writeFile(certFile, pair.cert)
    return pair
  }
  await rotate()
  return { ca, certFile, keyFile, rotate, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/**
 * The webhook in this process on a free loopback port, serving `tls`'s files, configured from the
 * environment as `fxa-gate webhook` is (plus `env`). Resolves with it and its port.
 */
export async function startTestWebhook(
  tls: WebhookTls,
  image: string,
  env: Record<string, string> = {},
): Promise<{ webhook: RunningWebhook; port: number }> {
  const loaded = loadInjectorConfig(
    {
      FXA_GATE_WEBHOOK_LISTEN: '127.0.0.1:0',
      FXA_GATE_WEBHOOK_TLS_CERT_FILE: tls.certFile,
      FXA_GATE_WEBHOOK_TLS_KEY_FILE: tls.keyFile,
      FXA_GATE_INJECT_IMAGE: image,
      ...env,
    },
    'webhook',
  )
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems))
  const webhook = await startWebhook(loaded.config, createLogger({ level: 'silent' }), {
    readFile: (path) => readFile(path, 'utf8'),
  })
  return { webhook, port: (webhook.app.server.address() as AddressInfo).port }
}
