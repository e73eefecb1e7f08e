import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** One JSON log line of fxa-gate. */
export type LogLine = Record<string, unknown> & { msg?: string; level?: string }

export interface GateProcess {
  readonly pid: number
  readonly url: string
  readonly adminUrl: string
  /** Every JSON line written to stdout so far. */
  logs(): LogLine[]
  /** What it wrote to stderr. */
  stderr(): string
  /** Lines matching `predicate`, waiting up to `timeoutMs` for at least one. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>
  /** Resolves with the exit code (or the signal name) once the process is gone. */
  readonly exited: Promise<number | string>
  signal(signal: NodeJS.Signals): void
  /** SIGKILL if still running. */
  kill(): Promise<void>
}

const root = join(import.meta.dirname, '../..')
/** Every gate process started here and not seen exit: killed if the test process exits first. */
const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/**
 * Runs the real entry point (`src/main.ts serve`, Node running the TypeScript sources) with `env`
 * only, collects its JSON logs, and waits until /readyz answers 200 (and, unless told otherwise,
 * /healthz?verbose says its dependencies answer).
 */
export async function startGateProcess(
  env: Record<string, string>,
  options: { waitForDependencies?: boolean } = {},
): Promise<GateProcess> {
  // A port free a moment ago may be someone's ephemeral source port for a moment now: try again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(env, options)
    } catch (error) {
      if (attempt === 3 || !/EADDRINUSE/.test((error as Error).message)) throw error
      await sleep(500)
    }
  }
}

async function startOnce(
  env: Record<string, string>,
  options: { waitForDependencies?: boolean },
): Promise<GateProcess> {
  const listen = env['FXA_GATE_LISTEN']!
  const admin = env['FXA_GATE_ADMIN_LISTEN']!
  const child = spawn(process.execPath, [join(root, 'src/main.ts'), 'serve'], {
    env: {
      PATH: process.env['PATH'] ?? '',
      ...env,
      FXA_GATE_LOG_LEVEL:
        env['FXA_GATE_LOG_LEVEL'] === 'silent' ? 'info' : (env['FXA_GATE_LOG_LEVEL'] ?? 'info'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  const lines: LogLine[] = []
  let partial = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8')
  child.stdout!.on('data', (chunk: string) => {
    partial += chunk
    let at = partial.indexOf('\n')
    while (at !== -1) {
      const text = partial.slice(0, at)
      partial = partial.slice(at + 1)
      try {
        lines.push(JSON.parse(text) as LogLine)
      } catch {
        lines.push({ msg: text })
      }
      at = partial.indexOf('\n')
    }
  })
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child)
      resolve(code ?? signal ?? 'unknown')
    }),
  )
  const url = `http://${listen}`
  const adminUrl = `http://${admin}`
  const deadline = Date.now() + 20_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`fxa-gate exited ${child.exitCode}:\n${stderr}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`fxa-gate did not become ready:\n${stderr}`)
    }
    try {
      const ready = (await fetch(`${adminUrl}/readyz`)).ok
      const verbose = (await (await fetch(`${adminUrl}/healthz?verbose`)).json()) as {
        checks: Record<string, string>
      }
      if (
        ready &&
        (options.waitForDependencies === false || Object.values(verbose.checks).every((v) => v === 'ok'))
      )
        break
    } catch {}
    await sleep(50)
  }
  return {
    pid: child.pid!,
    url,
    adminUrl,
    logs: () => [...lines],
    stderr: () => stderr,
    async waitForLog(predicate, timeoutMs = 5_000) {
      const until = Date.now() + timeoutMs
      for (;;) {
        const found = lines.find(predicate)
        if (found !== undefined) return found
        if (Date.now() > until)
          throw new Error(`no such log line; saw:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`)
        await sleep(20)
      }
    },
    exited,
    signal: (signal) => child.kill(signal),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL')
        await exited
      }
    },
  }
}

/** The value of one series in a Prometheus text exposition, or undefined when it is absent. */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match === null || match[1] !== name) continue
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [
        m[1],
        m[2],
      ]),
    )
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3])
  }
  return undefined
}
