import { formatWarnings } from '../config/unknown-env.ts'
import { readConfiguration } from './configuration.ts'
import type { CommandModule } from './types.ts'

const ACTIONS = [
  ['list', "list a service's nodes: state, users, capacity, new users they may take now", []],
  ['add', 'add a node (--capacity users at most)', ['node', 'capacity']],
  ['remove', 'remove a node; its users move on their next request', ['node']],
  ['down', 'down a node; its users move on their next request', ['node']],
  ['up', 'bring a downed node back (users who moved stay where they are)', ['node']],
  ['capacity', "change a node's capacity (nobody moves)", ['node', 'capacity']],
] as const

/**
 * `fxa-gate nodes list|add|remove|down|up|capacity --service S --node URL [--capacity N]`: the
 * operator's hand on node assignment (docs/services.md), through the shared Redis. Loaded on demand.
 */
export const nodesCommand: CommandModule = (program, context) => {
  const nodes = program
    .command('nodes')
    .description("manage the services' nodes in the shared Redis (every replica follows at once)")
  for (const [action, description, needs] of ACTIONS) {
    const command = nodes
      .command(action)
      .description(description)
      .requiredOption('--service <name>', 'the service (its name in services)')
    if ((needs as readonly string[]).includes('node'))
      command.requiredOption('--node <url>', "the node's URL")
    if ((needs as readonly string[]).includes('capacity'))
      command.requiredOption('--capacity <n>', 'users the node may hold at most')
    if (action === 'list') command.option('--json', 'print JSON instead of a table')
    command.action(
      async (options: { service: string; node?: string; capacity?: string; json?: boolean }, self) => {
        const { config, warnings } = readConfiguration(self, context)
        context.stderr.write(formatWarnings(warnings))
        const { nodesCommand: run } = await import('../nodes/nodes-command.ts')
        context.exit(await run(config, { action, ...options }, context.stdout, context.stderr))
      },
    )
  }
}
