import { revokeUserCommand } from '../admin/revoke-command.ts'
import { formatWarnings } from '../config/unknown-env.ts'
import { readConfiguration } from './configuration.ts'
import type { CommandModule } from './types.ts'

/** `fxa-gate sessions revoke --user <uid>`: operator revocation through the shared Redis. */
export const sessionsCommand: CommandModule = (program, context) => {
  const sessions = program.command('sessions').description('act on the sessions kept in the shared Redis')
  sessions
    .command('revoke')
    .description("end every session of a user in every replica and drop the user's cached token results")
    .requiredOption('--user <uid>', 'the FxA uid of the user')
    .addHelpText(
      'after',
      '\nTalks to Redis directly (FXA_GATE_REDIS_URL); the same code path as FxA password-change events.',
    )
    .action(async (options: { user: string }, command) => {
      const { config, warnings } = readConfiguration(command, context)
      context.stderr.write(formatWarnings(warnings))
      context.exit(await revokeUserCommand(config, options.user, context.stdout, context.stderr))
    })
}
