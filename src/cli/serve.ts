import { buildGate } from '../app.ts'
import type { Config } from '../config/derive.ts'
import type { EnvWarning } from '../config/load.ts'
import { createLogger } from '../observability/logger.ts'
import { openStores } from '../session/open-store.ts'
import { readConfiguration } from './configuration.ts'
import type { CliContext, CommandModule } from './types.ts'

/** `fxa-gate serve` (the default command): listens on the main and admin ports until SIGTERM. */
export const serveCommand: CommandModule = (program, context) => {
  program
    .command('serve')
    .description('run fxa-gate: login endpoints, forward-auth, sidecar proxy, admin listener (default)')
    .action(async (_options, command) => {
      const { config, warnings } = readConfiguration(command, context)
      await serve(config, warnings, context)
    })
}

async function serve(config: Config, warnings: readonly EnvWarning[], context: CliContext): Promise<void> {
  const logger = createLogger({ level: config.logLevel })
  for (const { variable, suggestion, message } of warnings) logger.warn({ variable, suggestion }, message)
  const stores = openStores(config, logger)
  const store = stores.sessions
  const gate = buildGate(config, {
    store,
    tokenStore: stores.tokens,
    eventState: stores.events,
    nodeStore: stores.nodes,
    logger,
  })
  gate.start()
  await gate.app.listen({ host: config.listen.host, port: config.listen.port })
  await gate.admin.listen({ host: config.adminListen.host, port: config.adminListen.port })
  logger.info(
    { publicUrl: config.publicUrl, store: store.shared ? 'redis' : 'memory', version: context.version },
    'fxa-gate started',
  )

  let stopping = false
  context.onSignal((signal) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down')
    const timer = setTimeout(() => process.exit(1), 10_000).unref()
    void (async () => {
      await gate.close()
      await stores.close()
      clearTimeout(timer)
      process.exit(0)
    })()
  })
}
