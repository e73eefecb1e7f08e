/**
 * `node bench/stalls.ts`: one server at a fixed rate (vegeta) for a while, every request's latency
 * kept, and the slow ones grouped into clusters with their time since the server started — so a
 * periodic cause (a cache TTL, a keep-alive timeout, a timer) shows up as clusters at multiples of
 * its period. Subjects as in bench/run.ts: BENCH_STALL_SUBJECT=gate|gate-forward|engine|plain|go|o2p.
 * BENCH_GATE_ENV='{"FXA_GATE_SESSION_CACHE_TTL":"1h"}' changes fxa-gate's settings for the run.
 */
import { readFile } from 'node:fs/promises'
import { vegeta } from './lib/load.ts'
import { describeWindow, sampleSched } from './lib/sched.ts'
import { startWorld } from './lib/world.ts'

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 30)
const RATE = Number(process.env['BENCH_RATE'] ?? 1000)
const SLOW_MS = Number(process.env['BENCH_SLOW_MS'] ?? 20)
const which = process.env['BENCH_STALL_SUBJECT'] ?? 'gate'
const gateEnv = JSON.parse(process.env['BENCH_GATE_ENV'] ?? '{}') as Record<string, string>
const world = await startWorld({ gateEnv })
const { S } = world
const nginxHeaders = { 'x-original-url': 'https://app.example.com/some/page?x=1', 'x-original-method': 'GET' }
const setups = {
  gate: { subject: S.gate, path: '/b100', headers: { cookie: world.gateCookie }, expect: 200 },
  'gate-forward': {
    subject: S.gate,
    path: '/_gate/auth/nginx',
    headers: { cookie: world.gateCookie, ...nginxHeaders },
    expect: 200,
  },
  engine: { subject: S.engine, path: '/b100', headers: {}, expect: 200 },
  plain: { subject: S.plain, path: '/b100', headers: {}, expect: 200 },
  go: { subject: S.goProxy, path: '/b100', headers: {}, expect: 200 },
  o2p: { subject: S.o2p, path: '/b100', headers: { cookie: world.o2pCookie }, expect: 200 },
} as const
const setup = setups[which as keyof typeof setups]
if (setup === undefined) throw new Error(`unknown BENCH_STALL_SUBJECT ${which}`)

const running = await setup.subject.start()
const storeReads = async (): Promise<number> => {
  if (running.admin === undefined) return Number.NaN
  const text = await (await fetch(`${running.admin}/metrics`)).text()
  return Number(/fxa_gate_session_lookups_total\{result="store_hit"\} (\d+)/.exec(text)?.[1] ?? 0)
}
const startedAt = Date.now()
try {
  const csv = `/tmp/fxa-gate-stalls-${process.pid}.csv`
  const readsBefore = await storeReads()
  const sched = sampleSched(running.procs[0]!.pid)
  const result = await vegeta(world.VEGETA, `${running.url}${setup.path}`, {
    headers: setup.headers,
    rate: RATE,
    seconds: SECONDS,
    expect: setup.expect,
    csv,
  })
  const readsAfter = await storeReads()
  await sched.stop()
  const rows = (await readFile(csv, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [at, code, latency] = line.split(',')
      return { at: Number(at) / 1e6 - startedAt, code: Number(code), ms: Number(latency) / 1e6 }
    })
    .sort((a, b) => a.at - b.at)
  // Clusters: slow requests that started within 50 ms of the previous slow one.
  const clusters: { from: number; to: number; count: number; worst: number }[] = []
  for (const row of rows.filter((r) => r.ms > SLOW_MS)) {
    const last = clusters.at(-1)
    if (last && row.at - last.to < 50) {
      last.to = row.at
      last.count++
      last.worst = Math.max(last.worst, row.ms)
    } else clusters.push({ from: row.at, to: row.at, count: 1, worst: row.ms })
  }
  console.log(
    `${which} at ${RATE}/s for ${SECONDS}s: p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, max ${result.max.toFixed(1)} ms, ${result.unexpected} unexpected; store reads during the run: ${readsAfter - readsBefore}`,
  )
  console.log(
    `${clusters.length} clusters of requests slower than ${SLOW_MS} ms (time since the server was ready):`,
  )
  for (const c of clusters)
    console.log(
      `  t=${(c.from / 1000).toFixed(3)}s (mod 10 s: ${((c.from / 1000) % 10).toFixed(2)}) ${c.count} requests over ${(c.to - c.from).toFixed(0)} ms, worst ${c.worst.toFixed(1)} ms — ${describeWindow(sched.window(startedAt + c.from, startedAt + c.to + c.worst))}`,
    )
  const whole = sched.window(startedAt, Date.now())
  console.log(`whole run, per thread (ms): ${describeWindow(whole)}`)
} finally {
  await running.stop()
  await world.stop()
}
process.exit(0)
