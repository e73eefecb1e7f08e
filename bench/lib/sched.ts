import { readdir, readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'

/** One sample: ms since the epoch, and per thread name the cumulative ns on CPU and waiting to run. */
interface Sample {
  readonly at: number
  readonly threads: Map<string, { run: number; wait: number }>
}

export interface SchedWindow {
  /** Per thread name (MainThread, V8Worker, libuv-worker, …): ms on CPU and ms runnable but not running. */
  readonly threads: Record<string, { runMs: number; waitMs: number }>
}

/**
 * Samples /proc/<pid>/task/<tid>/schedstat every `everyMs`: how long each thread of the server ran
 * and how long it was ready but waited for the CPU. A stall where the main thread waited tells
 * "the core was busy with something else" (a neighbour, or the server's own GC and compiler
 * threads) from "the event loop was busy" (it ran) and "it waited on I/O" (it did neither).
 */
export function sampleSched(pid: number, everyMs = 10) {
  const samples: Sample[] = []
  let running = true
  const loop = (async () => {
    while (running) {
      const threads = new Map<string, { run: number; wait: number }>()
      try {
        for (const tid of await readdir(`/proc/${pid}/task`)) {
          try {
            const [comm, stat] = await Promise.all([
              readFile(`/proc/${pid}/task/${tid}/comm`, 'utf8'),
              readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8'),
            ])
            const [run, wait] = stat.split(' ').map(Number) as [number, number]
            const name = comm.trim()
            const sum = threads.get(name) ?? { run: 0, wait: 0 }
            threads.set(name, { run: sum.run + run, wait: sum.wait + wait })
          } catch {}
        }
      } catch {
        break
      }
      samples.push({ at: Date.now(), threads })
      await sleep(everyMs)
    }
  })()
  const at = (time: number) => samples.find((s) => s.at >= time) ?? samples.at(-1)
  return {
    async stop() {
      running = false
      await loop
    },
    /** What each thread did between two instants (ms since the epoch). */
    window(from: number, to: number): SchedWindow {
      const a = at(from)
      const b = at(to)
      const threads: Record<string, { runMs: number; waitMs: number }> = {}
      if (a && b)
        for (const [name, end] of b.threads) {
          const start = a.threads.get(name) ?? { run: 0, wait: 0 }
          threads[name] = { runMs: (end.run - start.run) / 1e6, waitMs: (end.wait - start.wait) / 1e6 }
        }
      return { threads }
    },
  }
}

export function describeWindow(window: SchedWindow): string {
  return Object.entries(window.threads)
    .filter(([, t]) => t.runMs + t.waitMs >= 1)
    .map(([name, t]) => `${name} ran ${t.runMs.toFixed(0)} waited ${t.waitMs.toFixed(0)}`)
    .join('; ')
}
