import type { Logger } from '../observability/logger.ts'
import { repeatEvery } from './periodic.ts'
import { type TlsMaterial, type TlsSource, tlsMaterial } from './tls-material.ts'

export interface TlsFilesOptions {
  readonly certFile: string
  readonly keyFile: string
  readonly intervalMs: number
  readonly readFile: (path: string) => Promise<string>
  readonly logger: Logger
}

/**
 * Serves the certificate and key files and re-reads them every interval, so a renewal (cert-manager
 * writes a new Secret; the kubelet swaps the mounted files) is served without a restart. Polling
 * rather than fs.watch: the kubelet replaces a symlink, which watchers miss. A half-written or
 * mismatched pair is logged and skipped; the previous pair stays in service.
 */
export async function openTlsFiles(options: TlsFilesOptions): Promise<TlsSource> {
  const read = async (): Promise<TlsMaterial> => {
    const [cert, key] = await Promise.all([
      options.readFile(options.certFile),
      options.readFile(options.keyFile),
    ])
    return tlsMaterial(cert, key)
  }
  let current = await read()
  const listeners: ((material: TlsMaterial) => void)[] = []
  const stop = repeatEvery(
    options.intervalMs,
    async () => {
      const next = await read()
      if (next.cert === current.cert && next.key === current.key) return
      current = next
      options.logger.info({ notAfter: next.notAfter.toISOString() }, 'webhook certificate reloaded')
      for (const listener of listeners) listener(next)
    },
    (error) =>
      options.logger.warn(
        { err: { message: (error as Error).message, code: (error as NodeJS.ErrnoException).code } },
        'webhook certificate files unusable; still serving the previous pair',
      ),
  )
  return {
    current: () => current,
    onChange: (listener) => {
      listeners.push(listener)
    },
    close: stop,
  }
}
