import { Command, CommanderError } from 'commander'
import { COMMANDS, DEFAULT_COMMAND } from './commands.ts'
import { type CliContext, CommandFailure } from './types.ts'

const ENVIRONMENT_HELP = `
Configuration comes from FXA_GATE_* environment variables and, optionally, a YAML file given with
--config or FXA_GATE_CONFIG (the environment wins). Secrets may be given as FXA_GATE_<NAME>_FILE.
Keys: docs/configuration.md. Exit codes: 0 success, 1 failure, 2 usage or configuration error.`

/** The fxa-gate command line: every command of COMMANDS under one program. Parses nothing yet. */
export function buildProgram(context: CliContext): Command {
  const program = new Command('fxa-gate')
    .description('Authenticating proxy for Mozilla accounts (FxA) and OpenID Connect providers')
    .version(context.version, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .option('-c, --config <file>', 'YAML configuration file (also FXA_GATE_CONFIG)')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .showHelpAfterError()
    .showSuggestionAfterError()
    .addHelpText('after', ENVIRONMENT_HELP)
    .exitOverride()
  for (const register of COMMANDS) register(program, context)
  for (const command of program.commands) inheritErrorHandling(command)
  return program
}

/** Subcommands (and theirs) report errors like the program: usage after the error, no process.exit. */
function inheritErrorHandling(command: Command): void {
  command.showHelpAfterError().showSuggestionAfterError().exitOverride()
  for (const sub of command.commands) inheritErrorHandling(sub)
}

/** `args` with the default command put first when none is named (and no help or version is asked). */
function withDefaultCommand(context: CliContext, args: readonly string[]): string[] {
  if (args.some((arg) => /^(-h|--help|-V|--version)$/.test(arg))) return [...args]
  const { operands } = buildProgram(context).parseOptions([...args])
  return operands.length === 0 ? [DEFAULT_COMMAND, ...args] : [...args]
}

/**
 * Runs the command line `args` (without node and the script). Resolves with the exit code: 0 after
 * help or the version, 2 for usage errors (unknown command or option, missing argument) and invalid
 * configuration, or the command's own. A long-running command (serve) resolves once it is started.
 */
export async function runCli(args: readonly string[], context: Omit<CliContext, 'exit'>): Promise<number> {
  let code = 0
  const program = buildProgram({ ...context, exit: (value) => (code = value) })
  try {
    await program.parseAsync(withDefaultCommand({ ...context, exit: () => {} }, args), { from: 'user' })
    return code
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the message (and the usage); help and --version end with exit code 0.
      return error.exitCode === 0 ? 0 : 2
    }
    if (error instanceof CommandFailure) {
      context.stderr.write(`fxa-gate: ${error.message}\n`)
      return error.exitCode
    }
    context.stderr.write(`fxa-gate: ${(error as Error).message}\n`)
    return 1
  }
}
