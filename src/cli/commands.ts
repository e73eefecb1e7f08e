import { checkConfigCommand } from './check-config.ts'
import { injectCommand, webhookCommand } from './inject.ts'
import { nodesCommand } from './nodes.ts'
import { serveCommand } from './serve.ts'
import { sessionsCommand } from './sessions.ts'
import type { CommandModule } from './types.ts'

/** Every command, in the order `--help` lists them. A new command: its module, and a line here. */
export const COMMANDS: readonly CommandModule[] = [
  serveCommand,
  checkConfigCommand,
  sessionsCommand,
  nodesCommand,
  injectCommand,
  webhookCommand,
]

/** What runs when no command is named (`fxa-gate`, `fxa-gate --config f.yaml`). */
export const DEFAULT_COMMAND = 'serve'
