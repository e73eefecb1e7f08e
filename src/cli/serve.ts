import { serve } from '../lifecycle/serve.ts'
import { readConfiguration } from './configuration.ts'
import type { CommandModule } from './types.ts'

/**
 * `fxa-gate serve` (the default command): listens on the main and admin ports, re-reads `…_FILE`
 * secrets when they change, and drains on SIGTERM (src/lifecycle/).
 */
export const serveCommand: CommandModule = (program, context) => {
  program
    .command('serve')
    .description('run fxa-gate: login endpoints, forward-auth, sidecar proxy, admin listener (default)')
    .action(async (_options, command) => {
      const { config, warnings, sources } = readConfiguration(command, context)
      await serve(config, sources, { warnings, version: context.version, onSignal: context.onSignal })
    })
}
