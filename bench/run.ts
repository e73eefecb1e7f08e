/**
 * `make bench`: requests/s and latency of fxa-gate next to bare baselines, measured in the same
 * run on the same machine, reported as ratios (absolute numbers on a noisy 2-core machine mean
 * little). Every server runs in its own process; autocannon drives them from this one.
 */
import { type ChildProcess, execFile, fork, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { createCookieJar, loginWithForm, startFakeFxa } from '../dev/fake-fxa/index.ts'
import { freePort } from '../test/support/ports.ts'
import { startRedis } from '../test/support/redis.ts'

const root = join(import.meta.dirname, '..')
const DURATION = Number(process.env['BENCH_SECONDS'] ?? 10)
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32)
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3)
const children: ChildProcess[] = []

function startServer(script: string, env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = fork(join(import.meta.dirname, 'servers', script), {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    })
    children.push(child)
    child.once('message', () => resolve(child))
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}`)))
  })
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(url)).ok) return
    } catch {}
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${url} never became ready`)
}

interface Result {
  readonly name: string
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly non2xx: number
  readonly errors: number
}

const WRK = ['/usr/bin/wrk', '/usr/local/bin/wrk'].find((path) => existsSync(path))

/** wrk (C, one thread) barely loads the machine, so the server under test is the bottleneck. */
function wrk(name: string, url: string, headers: Record<string, string>, seconds: number): Promise<Result> {
  const args = [
    '-t1',
    `-c${CONNECTIONS}`,
    `-d${seconds}s`,
    '--latency',
    ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
    url,
  ]
  return new Promise((resolve, reject) => {
    execFile(WRK!, args, { maxBuffer: 1 << 20 }, (error, stdout) => {
      if (error) return reject(error)
      const ms = (label: string) => {
        const match = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(stdout)
        if (!match) return Number.NaN
        const value = Number(match[1])
        return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value
      }
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0)
      const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout)
      resolve({
        name,
        rps: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0)),
        p50: ms('50'),
        p99: ms('99'),
        non2xx,
        errors: errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
      })
    })
  })
}

async function load(name: string, url: string, headers: Record<string, string> = {}): Promise<Result> {
  if (WRK) {
    await wrk(name, url, headers, 2)
    return wrk(name, url, headers, DURATION)
  }
  // Warm up (JIT, keep-alive pools, caches), then measure.
  await autocannon({ url, headers, connections: CONNECTIONS, duration: 2 })
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION })
  return {
    name,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  }
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024
}

const redis = await startRedis()
const [gatePort, adminPort, barePort, plainPort, upstreamPort] = await Promise.all([
  freePort(),
  freePort(),
  freePort(),
  freePort(),
  freePort(),
])
const gateUrl = `http://127.0.0.1:${gatePort}`
const upstream = `http://127.0.0.1:${upstreamPort}`
const fxa = await startFakeFxa({
  clients: [{ clientId: 'bench', clientSecret: 'bench-secret', redirectUris: [`${gateUrl}/_gate/callback`] }],
})

try {
  await startServer('upstream.ts', { PORT: String(upstreamPort) })
  await startServer('bare-fastify.ts', { PORT: String(barePort) })
  await startServer('plain-proxy.ts', { PORT: String(plainPort), UPSTREAM: upstream })
  const gate = spawn(process.execPath, [join(root, 'dist/main.js')], {
    stdio: 'ignore',
    env: {
      ...process.env,
      FXA_GATE_ISSUER: fxa.issuer,
      FXA_GATE_FXA_OAUTH_URL: fxa.oauthUrl,
      FXA_GATE_FXA_PROFILE_URL: fxa.profileUrl,
      FXA_GATE_CLIENT_ID: 'bench',
      FXA_GATE_CLIENT_SECRET: 'bench-secret',
      // Bearer tokens are credentials only where something names who may use them.
      FXA_GATE_BEARER_ALLOWED_CLIENTS: 'bench',
      FXA_GATE_PUBLIC_URL: gateUrl,
      FXA_GATE_LISTEN: `127.0.0.1:${gatePort}`,
      FXA_GATE_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
      FXA_GATE_COOKIE_SECURE: 'false',
      FXA_GATE_COOKIE_SECRETS: randomBytes(32).toString('hex'),
      FXA_GATE_REDIS_URL: redis.url,
      FXA_GATE_UPSTREAM: upstream,
      FXA_GATE_LOG_LEVEL: 'warn',
    },
  })
  children.push(gate)
  await waitReady(`http://127.0.0.1:${adminPort}/readyz`)

  const jar = createCookieJar()
  const started = await jar.fetch(`${gateUrl}/_gate/start`)
  await jar.fetch(await loginWithForm(jar.fetch, started.headers.get('location')!, 'bench@example.org'))
  const cookie = jar.cookieHeader(gateUrl)
  const rssBefore = await rssOf(gate.pid!)

  const benchUid = 'b'.repeat(32)
  fxa.users.set(benchUid, { uid: benchUid, email: 'api@example.org' })
  const token = await fxa.issueAccessToken({ uid: benchUid, clientId: 'bench', scope: 'profile' })
  const nginxHeaders = {
    'x-original-url': 'https://app.example.com/some/page?x=1',
    'x-original-method': 'GET',
  }
  const scenarios = {
    bare: () => load('bare fastify route (baseline)', `http://127.0.0.1:${barePort}/x`),
    bareHeaders: () =>
      load('bare fastify route, same answer headers (baseline)', `http://127.0.0.1:${barePort}/with-headers`),
    session: () =>
      load('fxa-gate /auth/nginx, valid session', `${gateUrl}/_gate/auth/nginx`, { cookie, ...nginxHeaders }),
    bearer: () =>
      load('fxa-gate /auth/nginx, bearer (cache hit)', `${gateUrl}/_gate/auth/nginx`, {
        authorization: `Bearer ${token}`,
        ...nginxHeaders,
      }),
    plain: () => load('@fastify/http-proxy, no auth (baseline)', `http://127.0.0.1:${plainPort}/some/page`),
    sidecar: () => load('fxa-gate sidecar, valid session', `${gateUrl}/some/page`, { cookie }),
  }
  // Rounds alternate baseline and subject so a noisy neighbour hurts both; the median is kept.
  const runs: Record<keyof typeof scenarios, Result[]> = {
    bare: [],
    bareHeaders: [],
    session: [],
    bearer: [],
    plain: [],
    sidecar: [],
  }
  let rssUnderLoad = 0
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of Object.keys(scenarios) as (keyof typeof scenarios)[]) {
      runs[name].push(await scenarios[name]())
      if (name === 'sidecar') rssUnderLoad = Math.max(rssUnderLoad, await rssOf(gate.pid!))
    }
  }
  const median = (list: Result[]) => [...list].sort((a, b) => a.rps - b.rps)[Math.floor(list.length / 2)]!
  const bare = median(runs.bare)
  const bareHeaders = median(runs.bareHeaders)
  const session = median(runs.session)
  const bearer = median(runs.bearer)
  const plain = median(runs.plain)
  const sidecar = median(runs.sidecar)
  const results = [bare, bareHeaders, session, bearer, plain, sidecar]
  const ratio = (a: Result, b: Result) => (a.rps / b.rps).toFixed(2)
  const table = [
    `fxa-gate bench — ${new Date().toISOString()} — node ${process.version}, ${WRK ? 'wrk -t1' : 'autocannon'}, ${CONNECTIONS} connections, ${DURATION}s per run, median of ${ROUNDS} alternating rounds`,
    '',
    '| scenario | req/s | p50 ms | p99 ms | non-2xx | errors |',
    '|---|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.errors} |`),
    '',
    `ratio /auth/nginx session vs bare fastify: ${ratio(session, bare)} (target ≥ 0.85)`,
    `ratio /auth/nginx session vs bare fastify sending the same headers: ${ratio(session, bareHeaders)}`,
    `ratio /auth/nginx bearer vs bare fastify:  ${ratio(bearer, bare)}`,
    `ratio sidecar vs plain proxy:              ${ratio(sidecar, plain)} (target ≥ 0.90)`,
    `fxa-gate RSS: ${(rssBefore / 2 ** 20).toFixed(1)} MiB idle after login, ${(rssUnderLoad / 2 ** 20).toFixed(1)} MiB peak under sidecar load`,
    `introspection calls to the fake FxA during the whole run: ${fxa.calls.introspect}`,
  ].join('\n')
  console.log(table)
  await mkdir(join(root, '.bench'), { recursive: true })
  await writeFile(join(root, '.bench/results.md'), `${table}\n`)
} finally {
  for (const child of children) child.kill('SIGTERM')
  await fxa.close()
  await redis.stop()
}
