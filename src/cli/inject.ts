import type { Command } from 'commander'
import { type CliContext, CommandFailure, type CommandModule } from './types.ts'

/**
 * `fxa-gate inject -f FILE|-` and `fxa-gate webhook`: the sidecar injector. They read only the
 * injector's FXA_GATE_INJECT_* and FXA_GATE_WEBHOOK_* keys (docs/injector.md), and are loaded on
 * demand, so `serve` never loads the Kubernetes client or the X.509 library.
 */
export const injectCommand: CommandModule = (program, context) => {
  program
    .command('inject')
    .description('print Kubernetes YAML with the fxa-gate sidecar added to every annotated workload')
    .requiredOption('-f, --file <file...>', 'YAML file(s) to read; - for standard input')
    .option('--image <image>', 'the sidecar image (default FXA_GATE_INJECT_IMAGE)')
    .option('--native-sidecar', 'inject a native sidecar (initContainer, restartPolicy Always; default)')
    .option('--no-native-sidecar', 'inject a regular container (clusters before Kubernetes 1.29)')
    .addHelpText(
      'after',
      '\nAnnotations and settings: docs/injector.md. Broken YAML exits 1 with its position.',
    )
    .action(
      async (options: { file: string[]; image?: string; nativeSidecar?: boolean }, command: Command) => {
        refuseConfigFile(command)
        const { injectCommand: run } = await import('../injector/inject-command.ts')
        context.exit(
          await run(
            { files: options.file, image: options.image, nativeSidecar: options.nativeSidecar },
            {
              stdin: context.stdin,
              stdout: context.stdout,
              stderr: context.stderr,
              env: context.env,
              readFile: readFileOf(context),
            },
          ),
        )
      },
    )
}

export const webhookCommand: CommandModule = (program, context) => {
  program
    .command('webhook')
    .description('serve the mutating admission webhook that injects the sidecar (HTTPS POST /mutate)')
    .addHelpText('after', '\nSettings: FXA_GATE_WEBHOOK_* and FXA_GATE_INJECT_* (docs/injector.md).')
    .action(async (_options, command: Command) => {
      refuseConfigFile(command)
      const { webhookCommand: run } = await import('../injector/webhook-command.ts')
      const stop = new Promise<string>((resolve) => context.onSignal((signal) => resolve(signal)))
      context.exit(
        await run({
          env: context.env,
          stderr: context.stderr,
          readFile: readFileOf(context),
          stop,
        }),
      )
    })
}

/** The context's file reader, in the promise form the injector's commands take (small files: manifests, certificates). */
function readFileOf(context: CliContext): (path: string) => Promise<string> {
  return async (path) => context.readFile(path)
}

/** `--config` is the program's option, for the gate's file: here it would be silently ignored. */
function refuseConfigFile(command: Command): void {
  if ((command.optsWithGlobals() as { config?: string }).config === undefined) return
  throw new CommandFailure(
    `${command.name()} reads no --config file: its settings are the FXA_GATE_INJECT_* and FXA_GATE_WEBHOOK_* variables (docs/injector.md)`,
  )
}
