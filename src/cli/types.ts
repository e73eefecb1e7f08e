import type { Command } from 'commander'

export interface Output {
  write(text: string): void
}

/** What a command may touch of the outside world: passed in, so tests can run commands in-process. */
export interface CliContext {
  readonly env: Readonly<Record<string, string | undefined>>
  /** Standard input (`inject -f -`). */
  readonly stdin: AsyncIterable<Buffer | string>
  readonly stdout: Output
  readonly stderr: Output
  readonly readFile: (path: string) => string
  readonly version: string
  /** Sets the process's exit code for a command that keeps running (serve) or ends later. */
  readonly exit: (code: number) => void
  /** Runs `handler` on SIGTERM / SIGINT (serve's graceful shutdown). */
  readonly onSignal: (handler: (signal: NodeJS.Signals) => void) => void
}

/**
 * A command module: adds its command (with its options, help text and action) to the program.
 * Registering one is a line in `commands.ts`.
 */
export type CommandModule = (program: Command, context: CliContext) => void

/** Ends a command with a message on stderr and an exit code (2: usage or configuration, 1: failure). */
export class CommandFailure extends Error {
  readonly exitCode: number
  constructor(message: string, exitCode = 2) {
    super(message)
    this.exitCode = exitCode
  }
}
