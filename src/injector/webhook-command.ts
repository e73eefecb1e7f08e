import type { FastifyInstance } from 'fastify'
import { loadInjectorConfig } from '../config/injector-load.ts'
import type { InjectorConfig } from '../config/injector-schema.ts'
import { listenAddress } from '../config/listen.ts'
import { formatProblems } from '../config/load.ts'
import { formatWarnings } from '../config/unknown-env.ts'
import { createLogger, type Logger } from '../observability/logger.ts'
import { openBootstrapTls } from './bootstrap-tls.ts'
import { kubeAccess } from './kube-access.ts'
import { createWebhookMetrics } from './metrics.ts'
import { injectSettings } from './settings.ts'
import { openTlsFiles } from './tls-files.ts'
import type { TlsSource } from './tls-material.ts'
import { buildWebhookApp } from './webhook-app.ts'

export interface WebhookIO {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly stderr: { write(text: string): unknown }
  readonly readFile: (path: string) => Promise<string>
  /** Settles with the name of the signal that asks the webhook to stop. */
  readonly stop: Promise<string>
  /** Where the JSON logs go (default: stdout). */
  readonly logDestination?: NodeJS.WritableStream
}

export interface RunningWebhook {
  readonly app: FastifyInstance
  readonly close: () => Promise<void>
}

/** Builds and starts the webhook: TLS first (files or bootstrap), then the HTTPS listener. */
export async function startWebhook(
  config: InjectorConfig,
  logger: Logger,
  io: Pick<WebhookIO, 'readFile'>,
): Promise<RunningWebhook> {
  const tls = await openTls(config, logger, io.readFile)
  const app = buildWebhookApp({
    settings: injectSettings(config),
    tls,
    metrics: createWebhookMetrics(),
    logger,
    ready: 'ready' in tls ? (tls.ready as () => boolean) : undefined,
  })
  try {
    await app.listen(listenAddress(config.webhookListen))
  } catch (error) {
    tls.close()
    throw error
  }
  logger.info(
    { listen: config.webhookListen, image: config.injectImage },
    'fxa-gate injector webhook started',
  )
  return {
    app,
    close: async () => {
      tls.close()
      await app.close()
    },
  }
}

async function openTls(
  config: InjectorConfig,
  logger: Logger,
  readFile: WebhookIO['readFile'],
): Promise<TlsSource> {
  if (config.webhookTlsSecret !== undefined) {
    const target = {
      namespace: config.webhookNamespace ?? '',
      secretName: config.webhookTlsSecret,
      webhookName: config.webhookConfigurationName ?? '',
    }
    return await openBootstrapTls({
      ...target,
      kube: kubeAccess(target),
      dnsNames: config.webhookDnsNames,
      intervalMs: config.webhookTlsReloadInterval,
      logger,
    })
  }
  return await openTlsFiles({
    certFile: config.webhookTlsCertFile ?? '',
    keyFile: config.webhookTlsKeyFile ?? '',
    intervalMs: config.webhookTlsReloadInterval,
    readFile,
    logger,
  })
}

/**
 * `fxa-gate webhook`: the injector as a mutating admission webhook. Configuration from the
 * environment (the injector's keys only). Runs until `io.stop` settles; returns the exit code.
 */
export async function webhookCommand(io: WebhookIO): Promise<number> {
  const loaded = loadInjectorConfig(io.env, 'webhook')
  if (!loaded.ok) {
    // The warnings last: a mistyped variable often explains a missing one.
    io.stderr.write(
      `fxa-gate webhook: invalid configuration (${loaded.problems.length} problems):\n${formatProblems(loaded.problems)}\n${formatWarnings(loaded.warnings, 'fxa-gate webhook')}`,
    )
    return 2
  }
  const logger = createLogger({ level: loaded.config.logLevel, destination: io.logDestination })
  for (const { variable, suggestion, message } of loaded.warnings)
    logger.warn({ variable, suggestion }, message)
  let running: RunningWebhook
  try {
    running = await startWebhook(loaded.config, logger, io)
  } catch (error) {
    io.stderr.write(`fxa-gate webhook: cannot start: ${(error as Error).message}\n`)
    return 1
  }
  const signal = await io.stop
  logger.info({ signal }, 'shutting down')
  await running.close()
  return 0
}
