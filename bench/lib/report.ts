import type { LoadResult } from './load.ts'

export interface Measurement extends LoadResult {
  readonly scenario: string
  readonly subject: string
  readonly round: number
  /** Requests (or websocket round trips) per CPU second of the server's processes. */
  readonly perCpuSecond: number
  readonly rssIdle: number
  readonly rssPeak: number
}

const MiB = 2 ** 20
const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '—')

/** The median run of a list, by the figure that matters for it (throughput, or p99 at fixed rate). */
export function median(runs: readonly Measurement[], by: 'rps' | 'p99'): Measurement {
  const sorted = [...runs].sort((a, b) => a[by] - b[by])
  return sorted[Math.floor((sorted.length - 1) / 2)]!
}

export function table(rows: readonly Measurement[]): string {
  return [
    '| scenario | server | req/s | req/CPU-s | p50 ms | p99 ms | max ms | RSS idle MiB | RSS peak MiB | unexpected | errors |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.subject} | ${r.rps} | ${Math.round(r.perCpuSecond)} | ${fixed(r.p50)} | ${fixed(r.p99)} | ${fixed(r.max, 1)} | ${fixed(r.rssIdle / MiB, 0)} | ${fixed(r.rssPeak / MiB, 0)} | ${r.unexpected} | ${r.errors} |`,
    ),
  ].join('\n')
}

export interface Goal {
  readonly what: string
  /** The measured figure, already formatted; undefined when a side of it was not measured. */
  readonly value: number | undefined
  readonly unit?: string
  readonly goal: string
  readonly met: (value: number) => boolean
}

export function goals(list: readonly Goal[]): string {
  return [
    '| what | measured | goal | |',
    '|---|---:|---|---|',
    ...list.map((g) => {
      if (g.value === undefined || !Number.isFinite(g.value))
        return `| ${g.what} | not measured | ${g.goal} | — |`
      return `| ${g.what} | ${fixed(g.value)}${g.unit ?? ''} | ${g.goal} | ${g.met(g.value) ? 'met' : 'MISSED'} |`
    }),
  ].join('\n')
}
