import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCa, createServingCert, type PemPair } from '../../src/injector/certificates.ts'

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
