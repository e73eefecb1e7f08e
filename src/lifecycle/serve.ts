import { buildGate } from '../app.ts'
import type { Config } from '../config/derive.ts'
import { type ConfigSources, type EnvWarning, loadConfig } from '../config/load.ts'
import { errorFields } from '../observability/error-fields.ts'
import { createLogger } from '../observability/logger.ts'
import { createMetrics } from '../observability/metrics.ts'
import { createRequestScope } from '../observability/request-context.ts'
import { startTracing } from '../observability/tracing.ts'
import { createSecretHolder } from '../secrets/state.ts'
import { openStores } from '../storage/open-stores.ts'
import { watchSecretFiles } from './secret-files.ts'
import { createShutdown } from './shutdown.ts'

export interface ServeOptions {
  /** Unknown FXA_GATE_* variables, logged once the logger exists. */
  readonly warnings: readonly EnvWarning[]
  /** fxa-gate's version (`fxa_gate_build_info`, the start line). */
  readonly version: string
  /** Runs `handler` on SIGTERM / SIGINT (the entry point owns the process's signals). */
  readonly onSignal: (handler: (signal: NodeJS.Signals) => void) => void
}

/**
 * What `fxa-gate serve` runs: builds the gate, listens, re-reads `…_FILE` secrets when they change,
 * and on SIGTERM or SIGINT drains (lifecycle/shutdown.ts) and exits 0. `sources` are where `config`
 * came from, read again when a secret file changes.
 */
export async function serve(config: Config, sources: ConfigSources, options: ServeOptions): Promise<void> {
  const { version } = options
  const requestScope = createRequestScope()
  const logger = createLogger({ level: config.logLevel, mixin: requestScope.logFields })
  for (const { variable, suggestion, message } of options.warnings)
    logger.warn({ variable, suggestion }, message)
  const tracing = await startTracing({ enabled: config.tracing, version, logger })
  // One registry for the storage layer and the gate, so /metrics shows both; one secret state for
  // both, so a rotation of the cookie secrets applies to the MACs of what Redis holds too.
  const metrics = createMetrics({ version })
  const secrets = createSecretHolder(config, { clock: Date.now, metrics, logger })
  const stores = openStores(config, { logger, metrics, keys: () => secrets.current().keys })
  const gate = buildGate(config, {
    store: stores.sessions,
    tokenStore: stores.tokens,
    eventState: stores.events,
    revalidationLocks: stores.locks,
    tokenReaperStore: stores.reaper,
    credentialMarks: stores.marks,
    nodeStore: stores.nodes,
    redis: stores.redis,
    logger,
    metrics,
    secrets,
    tracing,
    requestScope,
    version,
  })
  secrets.onChange((state) => stores.usePassword?.(state.redisPassword))
  gate.start()
  await gate.app.listen({ host: config.listen.host, port: config.listen.port })
  await gate.admin.listen({ host: config.adminListen.host, port: config.adminListen.port })
  logger.info(
    { publicUrl: config.publicUrl, store: stores.sessions.shared ? 'redis' : 'memory', version },
    'fxa-gate started',
  )

  const stopWatching = watchSecretFiles({
    env: sources.env,
    load: () => loadConfig(sources),
    apply: (next) => gate.reloadSecrets(next),
    running: config,
    logger,
    metrics: gate.ctx.metrics,
  })
  const shutdown = createShutdown(
    {
      lifecycle: gate.lifecycle,
      server: gate.app.server,
      closeListener: () => gate.app.close(),
      async closeRest() {
        stopWatching()
        await gate.close()
        await stores.close()
        await tracing.shutdown()
      },
    },
    { logger, delayMs: config.shutdownDelay, timeoutMs: config.shutdownTimeout },
  )
  // Exits once drained, whatever handle (a client's socket, a timer) would keep the process up.
  options.onSignal(
    (signal) =>
      void shutdown.begin(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(errorFields(error), 'shutdown failed')
          process.exit(1)
        },
      ),
  )
}
