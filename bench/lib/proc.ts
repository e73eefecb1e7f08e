import { type ChildProcess, spawn } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'

/** The core the server under test runs on; everything else (load, Redis, upstream, FxA) uses the other. */
export const SERVER_CORE = process.env['BENCH_SERVER_CORE'] ?? '0'
export const LOAD_CORE = process.env['BENCH_LOAD_CORE'] ?? '1'
const CLOCK_TICKS = 100

export interface Proc {
  readonly name: string
  readonly pid: number
  /** CPU seconds used so far by the process and every process in its group (nginx workers). */
  cpuSeconds(): Promise<number>
  /** Resident set size of the group, in bytes. */
  rss(): Promise<number>
  /** What it wrote to stderr (the last 4 KiB), for error messages. */
  log(): string
  stop(): Promise<void>
}

const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL')
})

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal)
  } catch {
    // Already gone.
  }
}

async function groupMembers(pgid: number): Promise<number[]> {
  const members: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8')
      // Fields after the parenthesised command name: state ppid pgrp …
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[2]) === pgid) members.push(Number(entry))
    } catch {
      // Exited while we looked.
    }
  }
  return members
}

async function cpuTicks(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return 0
  }
}

async function rssBytes(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0) * 1024
  } catch {
    return 0
  }
}

/**
 * Starts `command` pinned to `core` (taskset), as the leader of its own process group so that its
 * children (nginx workers) are measured and stopped with it.
 */
export function launch(
  name: string,
  command: string,
  args: readonly string[],
  options: { core: string; env?: NodeJS.ProcessEnv; cwd?: string },
): Proc {
  const child = spawn('taskset', ['-c', options.core, command, ...args], {
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  running.add(child)
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4096)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const pid = child.pid!
  return {
    name,
    pid,
    async cpuSeconds() {
      let ticks = 0
      for (const member of await groupMembers(pid)) ticks += await cpuTicks(member)
      return ticks / CLOCK_TICKS
    },
    async rss() {
      let bytes = 0
      for (const member of await groupMembers(pid)) bytes += await rssBytes(member)
      return bytes
    },
    log: () => stderr,
    async stop() {
      killGroup(child, 'SIGTERM')
      const killed = await Promise.race([exited.then(() => true), sleep(3000).then(() => false)])
      if (!killed) killGroup(child, 'SIGKILL')
      await exited
      running.delete(child)
    },
  }
}

/** Waits until `url` answers (any status below 500 unless `ok` says otherwise). */
export async function waitHttp(
  url: string,
  proc?: Proc,
  ok = (status: number) => status < 500,
): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      const response = await fetch(url, { redirect: 'manual' })
      await response.body?.cancel()
      if (ok(response.status)) return
    } catch {}
    await sleep(50)
  }
  throw new Error(`${url} never became ready${proc ? `: ${proc.log()}` : ''}`)
}

/** Samples a process group's RSS until stopped; returns the peak. */
export function samplePeakRss(proc: Proc, everyMs = 100): { stop(): Promise<number> } {
  let peak = 0
  let running = true
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await proc.rss())
      await sleep(everyMs)
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return peak
    },
  }
}
