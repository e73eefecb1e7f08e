import type { Goal, Measurement } from './lib/report.ts'

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
    return x && y ? x.p99 - y.p99 : undefined
  }
  const maxAt = (scenario: string, subject: string) =>
    rows.find((r) => r.scenario.startsWith(scenario) && r.scenario.includes('req/s') && r.subject === subject)
      ?.max
  const rss = (scenario: string, which: 'rssIdle' | 'rssPeak') => {
    const row = find(scenario, gate)
    return row ? row[which] / MiB : undefined
  }
  return [
    {
      what: 'forward-auth session: fxa-gate / bare fastify',
      value: ratio(fa, gate, 'bare fastify'),
      goal: '≥ 0.85',
      met: atLeast(0.85),
    },
    {
      what: 'forward-auth session: fxa-gate / oauth2-proxy',
      value: ratio(fa, gate, o2p),
      goal: '≥ 2',
      met: atLeast(2),
    },
    {
      what: 'sidecar 100 B: fxa-gate / Go ReverseProxy (req/s)',
      value: ratio(small, gate, 'Go ReverseProxy'),
      goal: '≥ 1.0',
      met: atLeast(1),
    },
    {
      what: 'sidecar 100 B: fxa-gate / Go ReverseProxy (per CPU-s)',
      value: ratio(small, gate, 'Go ReverseProxy', 'perCpuSecond'),
      goal: '≥ 1.0 per core',
      met: atLeast(1),
    },
    {
      what: 'sidecar 100 B: fxa-gate / oauth2-proxy',
      value: ratio(small, gate, o2p),
      goal: '≥ 2',
      met: atLeast(2),
    },
    {
      what: 'sidecar 64 KiB: fxa-gate / oauth2-proxy',
      value: ratio(big, gate, o2p),
      goal: '≥ 1.5',
      met: atLeast(1.5),
    },
    {
      what: 'new engine 100 B: engine / Go ReverseProxy (req/s)',
      value: ratio(small, engine, 'Go ReverseProxy'),
      goal: '≥ 1.0',
      met: atLeast(1),
    },
    {
      what: 'new engine 100 B: engine / Go ReverseProxy (per CPU-s)',
      value: ratio(small, engine, 'Go ReverseProxy', 'perCpuSecond'),
      goal: '≥ 1.0 per core',
      met: atLeast(1),
    },
    {
      what: 'new engine 100 B: engine / @fastify/http-proxy',
      value: ratio(small, engine, '@fastify/http-proxy'),
      goal: '> 1 (what it replaces)',
      met: atLeast(1),
    },
    {
      what: 'new engine 64 KiB: engine / oauth2-proxy',
      value: ratio(big, engine, o2p),
      goal: '≥ 1.5',
      met: atLeast(1.5),
    },
    {
      what: 'sidecar tail: fxa-gate p99 − Go ReverseProxy p99',
      value: addedP99('sidecar, 100 B', gate, 'Go ReverseProxy'),
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
      value: addedP99('sidecar, 100 B', engine, 'Go ReverseProxy'),
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
