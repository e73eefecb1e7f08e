import { type Goal, goals, type Measurement, table } from './lib/report.ts'

const MiB = 2 ** 20

/** Every goal of issue #17 that this bench measures, as a ratio or a figure from one run. */
export function benchGoals(rows: readonly Measurement[], redis: { gate: number; gateKeys: number }): Goal[] {
  const find = (scenario: string, subject: string) =>
    rows.find((r) => r.scenario.startsWith(scenario) && r.subject === subject)
  const ratio = (scenario: string, a: string, b: string, by: 'rps' | 'perCpuSecond' = 'rps') => {
    const x = find(scenario, a)
    const y = find(scenario, b)
    return x && y ? x[by] / y[by] : undefined
  }
  const gate = 'fxa-gate'
  const o2p = 'oauth2-proxy'
  const engine = 'new engine (src/proxy/forward)'
  const atLeast = (n: number) => (v: number) => v >= n
  const atMost = (n: number) => (v: number) => v <= n
  const fa = 'forward-auth, session'
  const small = 'sidecar, 100 B, -c32'
  const big = 'sidecar, 64 KiB, -c32'
  const addedP99 = (scenario: string, subject: string, ceiling: string) => {
    const x = rows.find(
      (r) => r.scenario.startsWith(scenario) && r.scenario.includes('req/s') && r.subject === subject,
    )
    const y = rows.find(
      (r) => r.scenario.startsWith(scenario) && r.scenario.includes('req/s') && r.subject === ceiling,
    )
    return x && y && y.p99 < 5 ? x.p99 - y.p99 : undefined
  }
  const maxAt = (scenario: string, subject: string) =>
    rows.find((r) => r.scenario.startsWith(scenario) && r.scenario.includes('req/s') && r.subject === subject)
      ?.max
  const rss = (scenario: string, which: 'rssIdle' | 'rssPeak') => {
    const row = find(scenario, gate)
    return row ? row[which] / MiB : undefined
  }
  /** A throughput ratio twice: from req/s, and from requests per CPU second (the "per core"). */
  const both = (what: string, scenario: string, a: string, b: string, goal: string, n: number): Goal[] => [
    { what: `${what} (req/s)`, value: ratio(scenario, a, b), goal, met: atLeast(n) },
    { what: `${what} (per CPU-s)`, value: ratio(scenario, a, b, 'perCpuSecond'), goal, met: atLeast(n) },
  ]
  const go = 'Go ReverseProxy'
  return [
    ...both('forward-auth session: fxa-gate / bare fastify', fa, gate, 'bare fastify', '≥ 0.85', 0.85),
    ...both('forward-auth session: fxa-gate / oauth2-proxy', fa, gate, o2p, '≥ 2', 2),
    ...both('sidecar 100 B: fxa-gate / Go ReverseProxy', small, gate, go, '≥ 1.0', 1),
    ...both('sidecar 100 B: fxa-gate / oauth2-proxy', small, gate, o2p, '≥ 2', 2),
    ...both('sidecar 64 KiB: fxa-gate / oauth2-proxy', big, gate, o2p, '≥ 1.5', 1.5),
    ...both('new engine 100 B: engine / Go ReverseProxy', small, engine, go, '≥ 1.0', 1),
    ...both('new engine 100 B: engine / oauth2-proxy', small, engine, o2p, '≥ 2', 2),
    ...both(
      'new engine 100 B: engine / @fastify/http-proxy',
      small,
      engine,
      '@fastify/http-proxy',
      '> 1 (what it replaces)',
      1,
    ),
    ...both('new engine 64 KiB: engine / oauth2-proxy', big, engine, o2p, '≥ 1.5', 1.5),
    ...both('websockets: new engine / Go ReverseProxy', 'sidecar, websockets', engine, go, '(reported)', 0),
    {
      what: 'sidecar tail: fxa-gate p99 − Go ReverseProxy p99',
      value: addedP99('sidecar, 100 B', gate, go),
      unit: ' ms',
      goal: '< 1 ms',
      met: (v) => v < 1,
    },
    {
      what: 'sidecar tail: fxa-gate max',
      value: maxAt('sidecar, 100 B', gate),
      unit: ' ms',
      goal: '≤ 20 ms',
      met: atMost(20),
    },
    {
      what: 'new engine tail: engine p99 − Go ReverseProxy p99',
      value: addedP99('sidecar, 100 B', engine, go),
      unit: ' ms',
      goal: '< 1 ms',
      met: (v) => v < 1,
    },
    {
      what: 'new engine tail: engine max',
      value: maxAt('sidecar, 100 B', engine),
      unit: ' ms',
      goal: '≤ 20 ms',
      met: atMost(20),
    },
    {
      what: 'forward-auth tail: fxa-gate p99 − bare fastify p99',
      value: addedP99('forward-auth, session', gate, 'bare fastify'),
      unit: ' ms',
      goal: '< 1 ms',
      met: (v) => v < 1,
    },
    {
      what: 'forward-auth tail: fxa-gate max',
      value: maxAt('forward-auth, session', gate),
      unit: ' ms',
      goal: '≤ 20 ms',
      met: atMost(20),
    },
    {
      what: 'sidecar RSS idle (fxa-gate)',
      value: rss(small, 'rssIdle'),
      unit: ' MiB',
      goal: '≤ 64 MiB',
      met: atMost(64),
    },
    {
      what: 'sidecar RSS at -c32 (fxa-gate, peak)',
      value: rss(small, 'rssPeak'),
      unit: ' MiB',
      goal: '≤ 96 MiB',
      met: atMost(96),
    },
    {
      what: 'sidecar RSS at -c128 (fxa-gate, peak)',
      value: rss('sidecar, 100 B, -c128', 'rssPeak'),
      unit: ' MiB',
      goal: '(reported)',
      met: () => true,
    },
    {
      what: 'Redis per session (fxa-gate)',
      value: redis.gate,
      unit: ` bytes in ${redis.gateKeys} keys`,
      goal: '< 1,000 bytes',
      met: (v) => v < 1000,
    },
  ]
}

export interface RedisBytes {
  readonly gate: number
  readonly gateKeys: number
  readonly o2p: number
  readonly o2pKeys: number
}

/** The whole of .bench/results.md: header, table, Redis figures, goals. */
export function renderReport(header: string, medians: readonly Measurement[], redis: RedisBytes): string {
  return [
    header,
    '',
    table(medians),
    '',
    `Redis per session: fxa-gate ${redis.gate} bytes in ${redis.gateKeys} keys; oauth2-proxy ${redis.o2p} bytes in ${redis.o2pKeys} keys (MEMORY USAGE after one login each)`,
    '',
    'Goals (issue #17), ratios from this run. On a shared machine, trust the per-CPU-second ratios over req/s:',
    '',
    goals(benchGoals(medians, redis)),
  ].join('\n')
}
