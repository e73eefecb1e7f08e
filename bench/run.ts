import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { renderReport } from './goals.ts'
import { type Headers, type LoadResult, vegeta, websocketLoad, wrk } from './lib/load.ts'
import { LOAD_CORE, samplePeakRss } from './lib/proc.ts'
import { type Measurement, median } from './lib/report.ts'
import { nodeServer, ROOT, type Subject } from './lib/subjects.ts'
import { startWorld } from './lib/world.ts'

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10)
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3)
const WARMUP = Number(process.env['BENCH_WARMUP_SECONDS'] ?? 2)
const RATE = Number(process.env['BENCH_RATE'] ?? 1000)
const ONLY = new RegExp(process.env['BENCH_ONLY'] ?? '.')
const world = await startWorld()
const { S, N, ports, redisBytes, gateCookie, o2pCookie, gateToken, o2pToken, HAVE_GO_TOOLS, VEGETA } = world

type Load = (url: string, seconds: number) => Promise<LoadResult>
interface Scenario {
  readonly id: string
  readonly by: 'rps' | 'p99'
  readonly subjects: readonly (readonly [Subject, Load])[]
}
const nginxHeaders = { 'x-original-url': 'https://app.example.com/some/page?x=1', 'x-original-method': 'GET' }
const thr =
  (path: string, expect: number, headers: Headers = {}, connections = 32): Load =>
  (url, seconds) =>
    wrk(`${url}${path}`, { headers, connections, seconds, expect })
const fixedRate =
  (path: string, expect: number, headers: Headers = {}): Load =>
  (url, seconds) =>
    vegeta(VEGETA, `${url}${path}`, { headers, rate: RATE, seconds, expect })
const sockets =
  (headers: Headers = {}): Load =>
  (url, seconds) =>
    websocketLoad(`${url.replace('http', 'ws')}/ws`, { headers, connections: 32, seconds })
const gateSession = { cookie: gateCookie }
const o2pSession = { cookie: o2pCookie }
const o2p = HAVE_GO_TOOLS
const P = (subject: Subject, load: Load): [Subject, Load] => [subject, load]
const when = (condition: boolean, ...pairs: [Subject, Load][]): [Subject, Load][] => (condition ? pairs : [])

const scenarios: Scenario[] = [
  {
    id: 'forward-auth, session',
    by: 'rps' as const,
    subjects: [
      P(S.gate, thr('/_gate/auth/nginx', 200, { ...gateSession, ...nginxHeaders })),
      ...when(o2p, [S.o2p, thr('/oauth2/auth', 202, o2pSession)]),
      P(S.bare, thr('/x', 200)),
      P(
        nodeServer('bare fastify, same answer headers', 'bare-fastify.ts', ports.bare),
        thr('/with-headers', 200),
      ),
      P(S.goBare, thr('/', 200)),
    ],
  },
  {
    id: 'forward-auth, bearer (cache hit)',
    by: 'rps' as const,
    subjects: [
      P(S.gate, thr('/_gate/auth/nginx', 200, { authorization: `Bearer ${gateToken}`, ...nginxHeaders })),
      ...when(o2p, [S.o2p, thr('/oauth2/auth', 202, { authorization: `Bearer ${o2pToken}` })]),
    ],
  },
  {
    id: 'forward-auth, no credentials (401)',
    by: 'rps' as const,
    subjects: [
      P(S.gate, thr('/_gate/auth/nginx', 401, { ...nginxHeaders, accept: 'application/json' })),
      ...when(o2p, [S.o2p, thr('/oauth2/auth', 401)]),
    ],
  },
  {
    id: 'nginx auth_request, end to end',
    by: 'rps' as const,
    subjects: [
      P(N.authGate, thr('/b100', 200, gateSession)),
      ...when(o2p, [N.authO2p, thr('/b100', 200, o2pSession)]),
      P(N.proxy, thr('/b100', 200)),
    ],
  },
  ...(['b100', 'b64k'] as const).flatMap((body) =>
    [32, 128].map(
      (connections): Scenario => ({
        id: `sidecar, ${body === 'b100' ? '100 B' : '64 KiB'}, -c${connections}`,
        by: 'rps' as const,
        subjects: [
          P(S.gate, thr(`/${body}`, 200, gateSession, connections)),
          ...when(o2p, [S.o2p, thr(`/${body}`, 200, o2pSession, connections)]),
          P(S.engine, thr(`/${body}`, 200, {}, connections)),
          P(S.plain, thr(`/${body}`, 200, {}, connections)),
          P(S.goProxy, thr(`/${body}`, 200, {}, connections)),
          P(N.proxy, thr(`/${body}`, 200, {}, connections)),
        ],
      }),
    ),
  ),
  {
    id: 'sidecar, websockets (32 sockets, echo)',
    by: 'rps' as const,
    subjects: [
      P(S.gate, sockets(gateSession)),
      ...when(o2p, [S.o2p, sockets(o2pSession)]),
      P(S.engine, sockets()),
      P(S.plain, sockets()),
      P(S.goProxy, sockets()),
    ],
  },
  ...(o2p
    ? ([
        {
          id: `sidecar, 100 B, ${RATE} req/s`,
          by: 'p99' as const,
          subjects: [
            P(S.gate, fixedRate('/b100', 200, gateSession)),
            P(S.o2p, fixedRate('/b100', 200, o2pSession)),
            P(S.engine, fixedRate('/b100', 200)),
            P(S.plain, fixedRate('/b100', 200)),
            P(S.goProxy, fixedRate('/b100', 200)),
          ] as [Subject, Load][],
        },
        {
          id: `forward-auth, session, ${RATE} req/s`,
          by: 'p99' as const,
          subjects: [
            P(S.gate, fixedRate('/_gate/auth/nginx', 200, { ...gateSession, ...nginxHeaders })),
            P(S.o2p, fixedRate('/oauth2/auth', 202, o2pSession)),
            P(S.bare, fixedRate('/x', 200)),
            P(S.goBare, fixedRate('/', 200)),
          ] as [Subject, Load][],
        },
      ] satisfies Scenario[])
    : []),
].filter((scenario) => ONLY.test(scenario.id))

async function measure(
  scenario: Scenario,
  subject: Subject,
  load: Load,
  round: number,
): Promise<Measurement> {
  const running = await subject.start()
  try {
    const rss = async () => (await Promise.all(running.procs.map((p) => p.rss()))).reduce((a, b) => a + b, 0)
    const cpu = async () =>
      (await Promise.all(running.procs.map((p) => p.cpuSeconds()))).reduce((a, b) => a + b, 0)
    const rssIdle = await rss()
    if (WARMUP > 0) await load(running.url, WARMUP)
    const samplers = running.procs.map((proc) => samplePeakRss(proc))
    const cpuBefore = await cpu()
    const result = await load(running.url, SECONDS)
    const cpuUsed = (await cpu()) - cpuBefore
    const rssPeak = (await Promise.all(samplers.map((s) => s.stop()))).reduce((a, b) => a + b, 0)
    return {
      ...result,
      scenario: scenario.id,
      subject: subject.name,
      round,
      perCpuSecond: cpuUsed > 0 ? result.requests / cpuUsed : Number.NaN,
      rssIdle,
      rssPeak,
    }
  } finally {
    await running.stop()
  }
}

const all: Measurement[] = []
await mkdir(join(ROOT, '.bench'), { recursive: true })
const medians: Measurement[] = []
try {
  for (const scenario of scenarios) {
    const runs = new Map<Subject, Measurement[]>()
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? scenario.subjects : [...scenario.subjects].reverse()
      for (const [subject, load] of order) {
        let m: Measurement
        try {
          m = await measure(scenario, subject, load, round)
        } catch (error) {
          // One failed run (a server that would not start) costs its row, not the whole bench.
          console.log(
            `${scenario.id} · ${subject.name} · round ${round + 1}: FAILED ${(error as Error).message.slice(0, 300)}`,
          )
          continue
        }
        all.push(m)
        await writeFile(join(ROOT, '.bench/partial.json'), JSON.stringify(all))
        runs.set(subject, [...(runs.get(subject) ?? []), m])
        console.log(
          `${scenario.id} · ${subject.name} · round ${round + 1}: ${m.rps}/s, p99 ${m.p99.toFixed(2)} ms, ${Math.round(m.perCpuSecond)} per CPU-s`,
        )
      }
    }
    for (const [subject] of scenario.subjects) {
      const list = runs.get(subject)
      if (list !== undefined) medians.push(median(list, scenario.by))
    }
  }
} finally {
  await world.stop()
}

const header = `fxa-gate bench — ${new Date().toISOString()} — node ${process.version}; server on core ${process.env['BENCH_SERVER_CORE'] ?? '0'}, load on core ${LOAD_CORE}; wrk -t1, vegeta at ${RATE}/s; ${SECONDS}s per run after ${WARMUP}s warm-up; median of ${ROUNDS} alternating rounds, fresh processes each`
const report = renderReport(header, medians, redisBytes)
console.log(`\n${report}`)
await mkdir(join(ROOT, '.bench'), { recursive: true })
await writeFile(join(ROOT, '.bench/results.md'), `${report}\n`)
await writeFile(
  join(ROOT, '.bench/results.json'),
  JSON.stringify({ header, all, medians, redisBytes }, null, 2),
)
process.exit(0)
