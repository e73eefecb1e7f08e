/**
 * `node bench/v8-flags.ts`: fxa-gate's sidecar memory under V8 heap settings. For each set of Node
 * flags: a fresh fxa-gate, RSS and heap spaces idle, then under wrk -c32 (and -c128) through the
 * sidecar: peak RSS, req/s, requests per CPU second, and how much CPU V8's helper threads (GC,
 * compiler) took next to the main thread — on one core those are taken from the event loop.
 * BENCH_MEMORY_FLAGS='--max-semi-space-size=2|--single-threaded-gc' picks the variants (| between).
 */
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { wrk } from './lib/load.ts'
import { samplePeakRss } from './lib/proc.ts'
import { describeWindow, sampleSched } from './lib/sched.ts'
import { fxaGate, ROOT } from './lib/subjects.ts'
import { startWorld } from './lib/world.ts'

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10)
const CONNECTIONS = (process.env['BENCH_MEMORY_CONNECTIONS'] ?? '32').split(',').map(Number)
const variants = (
  process.env['BENCH_MEMORY_FLAGS'] ??
  '|--max-semi-space-size=1|--max-semi-space-size=4|--max-old-space-size=64 --max-semi-space-size=2|--single-threaded-gc'
).split('|')
const MiB = 2 ** 20
const mib = (n: number) => (n / MiB).toFixed(0)

const world = await startWorld()
const report = join('/tmp', `fxa-gate-memory-${process.pid}.json`)
const rows: string[] = []
try {
  for (const flags of variants) {
    const nodeArgs = [
      `--import=${join(ROOT, 'bench/probes/memory-report.mjs')}`,
      ...flags.split(' ').filter(Boolean),
    ]
    const subject = fxaGate(
      'fxa-gate',
      { ...world.gateSetup, env: { ...world.gateSetup.env, FXA_GATE_MEMORY_REPORT: report } },
      nodeArgs,
    )
    const running = await subject.start()
    const proc = running.procs[0]!
    const snapshot = async () => {
      process.kill(proc.pid, 'SIGUSR2')
      await sleep(300)
      return JSON.parse(await readFile(report, 'utf8')) as {
        memory: NodeJS.MemoryUsage
        spaces: Record<string, number>
        modules: number
        packages: Record<string, number>
      }
    }
    try {
      await sleep(500)
      const idle = await snapshot()
      const idleRss = await proc.rss()
      for (const connections of CONNECTIONS) {
        const load = () =>
          wrk(`${running.url}/b100`, {
            headers: { cookie: world.gateCookie },
            connections,
            seconds: SECONDS,
            expect: 200,
          })
        await wrk(`${running.url}/b100`, {
          headers: { cookie: world.gateCookie },
          connections,
          seconds: 2,
          expect: 200,
        })
        const peak = samplePeakRss(proc, 50)
        const sched = sampleSched(proc.pid, 200)
        const startedAt = Date.now()
        const result = await load()
        await sched.stop()
        const peakRss = await peak.stop()
        const threads = sched.window(startedAt, Date.now()).threads
        const main = threads['MainThread']?.runMs ?? 0
        const helpers = Object.entries(threads)
          .filter(([name]) => name !== 'MainThread')
          .reduce((sum, [, t]) => sum + t.runMs, 0)
        const loaded = await snapshot()
        rows.push(
          `| ${flags || '(defaults)'} | -c${connections} | ${mib(idleRss)} | ${mib(peakRss)} | ${mib(loaded.memory.heapTotal)} | ${mib(loaded.spaces['new_space'] ?? 0)} | ${result.rps} | ${Math.round(result.requests / ((main + helpers) / 1000))} | ${((100 * helpers) / (main + helpers)).toFixed(0)} % |`,
        )
        console.log(
          `${flags || '(defaults)'} -c${connections}: ${rows.at(-1)}  [${describeWindow(sched.window(startedAt, Date.now()))}]`,
        )
      }
      console.log(
        `modules loaded: ${idle.modules} ${JSON.stringify(Object.entries(idle.packages).sort((a, b) => b[1] - a[1]))}`,
      )
      console.log(
        `idle heap: ${JSON.stringify(Object.fromEntries(Object.entries(idle.memory).map(([k, v]) => [k, mib(v)])))}`,
      )
    } finally {
      await running.stop()
    }
  }
} finally {
  await world.stop()
  await rm(report, { force: true })
}
console.log(
  [
    '',
    '| node flags | load | RSS idle MiB | RSS peak MiB | heap total MiB (after) | new space MiB | req/s | req per CPU-s | CPU in helper threads |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n'),
)
process.exit(0)
