import { formatWarnings } from '../config/unknown-env.ts'
import { readConfiguration } from './configuration.ts'
import type { CommandModule } from './types.ts'

/** `fxa-gate check-config`: validates the configuration as `serve` would, then exits. */
export const checkConfigCommand: CommandModule = (program, context) => {
  program
    .command('check-config')
    .description('validate the configuration (environment and --config file) and exit')
    .addHelpText(
      'after',
      '\nExits 0 when serve would start with this configuration, 2 with every problem otherwise.',
    )
    .action((_options, command) => {
      const { config, warnings } = readConfiguration(command, context)
      context.stderr.write(formatWarnings(warnings))
      context.stdout.write(
        `configuration OK (issuer ${config.issuer}, public URL ${config.publicUrl}, store ${config.redisUrl ? 'redis' : 'memory'})\n`,
      )
    })
}
