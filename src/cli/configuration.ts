import type { Command } from 'commander'
import type { Config } from '../config/derive.ts'
import { type ConfigSources, type EnvWarning, formatProblems, loadConfig } from '../config/load.ts'
import { formatWarnings } from '../config/unknown-env.ts'
import { type CliContext, CommandFailure } from './types.ts'

/** The `--config` option shared by every command (a global option of the program). */
export function configPath(command: Command, context: CliContext): string | undefined {
  const option = (command.optsWithGlobals() as { config?: string }).config
  return option ?? (context.env['FXA_GATE_CONFIG'] || undefined)
}

/**
 * Loads the configuration from the environment and the `--config` file. Refuses with every problem
 * at once (exit 2), with the warnings about unknown variables, which often explain a problem.
 * `sources` are where it came from (serve reads them again when a secret file changes).
 */
export function readConfiguration(
  command: Command,
  context: CliContext,
): { config: Config; warnings: EnvWarning[]; sources: ConfigSources } {
  const path = configPath(command, context)
  let yaml: string | undefined
  if (path !== undefined) {
    try {
      yaml = context.readFile(path)
    } catch (error) {
      throw new CommandFailure(
        `cannot read the configuration file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      )
    }
  }
  const sources: ConfigSources = { env: context.env, yaml, readFile: context.readFile }
  const result = loadConfig(sources)
  if (!result.ok) {
    const count = result.problems.length
    throw new CommandFailure(
      `invalid configuration (${count} problem${count === 1 ? '' : 's'}):\n${formatProblems(result.problems)}\n${formatWarnings(result.warnings)}`.trimEnd(),
    )
  }
  return { config: result.config, warnings: result.warnings, sources }
}
