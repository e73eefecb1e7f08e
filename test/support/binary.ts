/** The fxa-gate binary as a child process, for the tests of its command line. */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export const ROOT = join(import.meta.dirname, '../..')
const BUILT = join(ROOT, 'dist/main.js')
/** The real binary when built (make test builds first), else the same entry point from source. */
export const ENTRY = existsSync(BUILT) ? BUILT : join(ROOT, 'src/main.ts')

export interface Finished {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface Started {
  readonly child: ChildProcessWithoutNullStreams
  /** Settles when the process exits. */
  readonly done: Promise<Finished>
  /** Standard output so far. */
  output(): string
}

/** Starts `fxa-gate <args>` with only `env` (and PATH) in its environment; `stdin` is written and closed. */
export function startBinary(args: readonly string[], env: Record<string, string>, stdin = ''): Started {
  const child = spawn(process.execPath, [ENTRY, ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  child.stdin.end(stdin)
  const done = new Promise<Finished>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  )
  return { child, done, output: () => stdout }
}

/** Runs `fxa-gate <args>` to its end. */
export function runBinary(
  args: readonly string[],
  env: Record<string, string>,
  stdin = '',
): Promise<Finished> {
  return startBinary(args, env, stdin).done
}
