/**
 * `make bench`: fxa-gate side by side with oauth2-proxy and bare ceilings, one core each way: every
 * server under test on one core (taskset), wrk/vegeta/Redis/upstream/fake FxA on the other, Go with
 * GOMAXPROCS=1, a fresh process for every scenario and round, rounds in alternating order, medians
 * kept. Ratios only mean something within one run. Writes .bench/results.md (and .json).
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { createCookieJar, loginWithForm, startFakeFxa } from '../dev/fake-fxa/index.ts'
import { freePort } from '../test/support/ports.ts'
import { startRedis } from '../test/support/redis.ts'
import { benchGoals } from './goals.ts'
import { type Headers, type LoadResult, vegeta, websocketLoad, wrk } from './lib/load.ts'
import {
  idTokenFor,
  loginThroughOauth2Proxy,
  newCookieSecret,
  OAUTH2_PROXY_CLIENT,
  oauth2Proxy,
} from './lib/oauth2-proxy.ts'
import { LOAD_CORE, launch, samplePeakRss, waitHttp } from './lib/proc.ts'
import { goals, type Measurement, median, table } from './lib/report.ts'
import { fxaGate, goServer, nginx, nodeServer, ROOT, type Subject, TOOLS } from './lib/subjects.ts'

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10)
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3)
const WARMUP = Number(process.env['BENCH_WARMUP_SECONDS'] ?? 2)
const RATE = Number(process.env['BENCH_RATE'] ?? 1000)
const ONLY = new RegExp(process.env['BENCH_ONLY'] ?? '.')
const VEGETA = join(TOOLS, 'vegeta')
const HAVE_GO_TOOLS = existsSync(join(TOOLS, 'oauth2-proxy')) && existsSync(VEGETA)
if (!HAVE_GO_TOOLS)
  console.log('oauth2-proxy or vegeta missing in .tools/bin (no Go?): their rows are skipped')

const port = () => freePort()
const redis = await startRedis()
await pin(redis.pid)
const ports = {
  gate: await port(),
  gateAdmin: await port(),
  o2p: await port(),
  upstream: await port(),
  bare: await port(),
  plain: await port(),
  engine: await port(),
  goBare: await port(),
  goProxy: await port(),
  nginx: await port(),
}
const gateUrl = `http://127.0.0.1:${ports.gate}`
const o2pUrl = `http://127.0.0.1:${ports.o2p}`
const upstream = `http://127.0.0.1:${ports.upstream}`
const fxa = await startFakeFxa({
  clients: [
    { clientId: 'bench', clientSecret: 'bench-secret', redirectUris: [`${gateUrl}/_gate/callback`] },
    { ...OAUTH2_PROXY_CLIENT, redirectUris: [`${o2pUrl}/oauth2/callback`] },
  ],
})
const upstreamProc = launch('upstream', process.execPath, [join(ROOT, 'bench/servers/upstream.ts')], {
  core: LOAD_CORE,
  env: { PORT: String(ports.upstream) },
})
await waitHttp(`${upstream}/`, upstreamProc)

async function pin(pid: number): Promise<void> {
  const { execFile } = await import('node:child_process')
  await new Promise((resolve) => execFile('taskset', ['-a', '-p', '-c', LOAD_CORE, String(pid)], resolve))
}

const gateEnv = {
  FXA_GATE_ISSUER: fxa.issuer,
  FXA_GATE_FXA_OAUTH_URL: fxa.oauthUrl,
  FXA_GATE_FXA_PROFILE_URL: fxa.profileUrl,
  FXA_GATE_CLIENT_ID: 'bench',
  FXA_GATE_CLIENT_SECRET: 'bench-secret',
  FXA_GATE_PUBLIC_URL: gateUrl,
  FXA_GATE_LISTEN: `127.0.0.1:${ports.gate}`,
  FXA_GATE_ADMIN_LISTEN: `127.0.0.1:${ports.gateAdmin}`,
  FXA_GATE_COOKIE_SECURE: 'false',
  FXA_GATE_COOKIE_SECRETS: randomBytes(32).toString('hex'),
  FXA_GATE_REDIS_URL: redis.url,
  FXA_GATE_UPSTREAM: upstream,
  FXA_GATE_TRUSTED_PROXIES: '127.0.0.1/32',
  FXA_GATE_LOG_LEVEL: 'warn',
}
const gateNodeArgs = (process.env['BENCH_GATE_NODE_ARGS'] ?? '').split(' ').filter(Boolean)
const S = {
  gate: fxaGate('fxa-gate', { env: gateEnv, port: ports.gate, adminPort: ports.gateAdmin }, gateNodeArgs),
  o2p: oauth2Proxy(
    'oauth2-proxy',
    { port: ports.o2p, issuer: fxa.issuer, redisUrl: redis.url, upstream },
    newCookieSecret(),
  ),
  bare: nodeServer('bare fastify', 'bare-fastify.ts', ports.bare),
  plain: nodeServer('@fastify/http-proxy', 'plain-proxy.ts', ports.plain, { UPSTREAM: upstream }),
  engine: nodeServer('new engine (src/proxy/forward)', 'forward-engine.ts', ports.engine, {
    UPSTREAM: upstream,
  }),
  goBare: goServer('Go net/http', 'bench-go-bare', ports.goBare),
  goProxy: goServer('Go ReverseProxy', 'bench-go-reverse-proxy', ports.goProxy, { UPSTREAM: upstream }),
}
const keepalive = (name: string, target: number) =>
  `upstream ${name} { server 127.0.0.1:${target}; keepalive 64; }`
const proxyTo = (name: string) =>
  `proxy_pass http://${name}; proxy_set_header Connection ""; proxy_set_header Host $host;`
const authTo = (name: string, path: string) => `
    location = /_auth { internal; proxy_pass http://${name}${path}; proxy_pass_request_body off;
      proxy_set_header Content-Length ""; proxy_set_header Connection "";
      proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
      proxy_set_header X-Original-Method $request_method; }
    location / { auth_request /_auth; auth_request_set $user $upstream_http_x_auth_request_user;
      proxy_set_header X-Auth-Request-User $user; ${proxyTo('app')} }`
const N = {
  proxy: nginx('nginx', ports.nginx, keepalive('app', ports.upstream), `location / { ${proxyTo('app')} }`),
  authGate: nginx(
    'nginx + fxa-gate',
    ports.nginx,
    `${keepalive('app', ports.upstream)} ${keepalive('auth', ports.gate)}`,
    authTo('auth', '/_gate/auth/nginx'),
    S.gate,
  ),
  authO2p: nginx(
    'nginx + oauth2-proxy',
    ports.nginx,
    `${keepalive('app', ports.upstream)} ${keepalive('auth', ports.o2p)}`,
    authTo('auth', '/oauth2/auth'),
    S.o2p,
  ),
}

// Logins, once: sessions live in Redis, so fresh processes with the same secrets keep them.
async function withRunning<T>(subject: Subject, work: () => Promise<T>): Promise<T> {
  const running = await subject.start()
  try {
    return await work()
  } finally {
    await running.stop()
  }
}
const gateCookie = await withRunning(S.gate, async () => {
  const jar = createCookieJar()
  const started = await jar.fetch(`${gateUrl}/_gate/start`)
  await jar.fetch(await loginWithForm(jar.fetch, started.headers.get('location')!, 'bench@example.org'))
  return jar.cookieHeader(gateUrl)
})
const o2pCookie = HAVE_GO_TOOLS
  ? await withRunning(S.o2p, () => loginThroughOauth2Proxy(o2pUrl, 'bench@example.org'))
  : ''
const benchUid = 'b'.repeat(32)
fxa.users.set(benchUid, { uid: benchUid, email: 'api@example.org' })
const gateToken = await fxa.issueAccessToken({ uid: benchUid, clientId: 'bench', scope: 'profile' })
const o2pToken = HAVE_GO_TOOLS
  ? await idTokenFor(fxa.issuer, `${o2pUrl}/oauth2/callback`, 'bench@example.org')
  : ''
const redisBytes = await sessionBytes()

/** Redis bytes (MEMORY USAGE) of one session for each proxy, by key prefix. */
async function sessionBytes(): Promise<{ gate: number; gateKeys: number; o2p: number; o2pKeys: number }> {
  const client = new Redis(redis.url)
  const out = { gate: 0, gateKeys: 0, o2p: 0, o2pKeys: 0 }
  for (const key of await client.keys('*')) {
    const bytes = Number(await client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'))
    if (key.startsWith('_oauth2_proxy')) {
      out.o2p += bytes
      out.o2pKeys++
    } else {
      out.gate += bytes
      out.gateKeys++
    }
  }
  client.disconnect()
  return out
}

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
const medians: Measurement[] = []
try {
  for (const scenario of scenarios) {
    const runs = new Map<Subject, Measurement[]>()
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? scenario.subjects : [...scenario.subjects].reverse()
      for (const [subject, load] of order) {
        const m = await measure(scenario, subject, load, round)
        all.push(m)
        runs.set(subject, [...(runs.get(subject) ?? []), m])
        console.log(
          `${scenario.id} · ${subject.name} · round ${round + 1}: ${m.rps}/s, p99 ${m.p99.toFixed(2)} ms, ${Math.round(m.perCpuSecond)} per CPU-s`,
        )
      }
    }
    for (const [subject] of scenario.subjects) medians.push(median(runs.get(subject)!, scenario.by))
  }
} finally {
  await upstreamProc.stop()
  await fxa.close()
  await redis.stop()
}

const header = `fxa-gate bench — ${new Date().toISOString()} — node ${process.version}; server on core ${process.env['BENCH_SERVER_CORE'] ?? '0'}, load on core ${LOAD_CORE}; wrk -t1, vegeta at ${RATE}/s; ${SECONDS}s per run after ${WARMUP}s warm-up; median of ${ROUNDS} alternating rounds, fresh processes each`
const report = [
  header,
  '',
  table(medians),
  '',
  `Redis per session: fxa-gate ${redisBytes.gate} bytes in ${redisBytes.gateKeys} keys; oauth2-proxy ${redisBytes.o2p} bytes in ${redisBytes.o2pKeys} keys (MEMORY USAGE after one login each)`,
  '',
  'Goals (issue #17), ratios from this run:',
  '',
  goals(benchGoals(medians, redisBytes)),
].join('\n')
console.log(`\n${report}`)
await mkdir(join(ROOT, '.bench'), { recursive: true })
await writeFile(join(ROOT, '.bench/results.md'), `${report}\n`)
await writeFile(
  join(ROOT, '.bench/results.json'),
  JSON.stringify({ header, all, medians, redisBytes }, null, 2),
)
process.exit(0)
