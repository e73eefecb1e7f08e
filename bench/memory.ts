/**
 * `make bench-memory`: the resident memory (RSS) of the built fxa-gate, idle and under light load,
 * in forward-auth mode with Redis sessions: the numbers behind the chart's memory request
 * (charts/fxa-gate/values.yaml `resources`, docs/operations.md "Sizing"). It reads /proc, so Linux only.
 *
 * Light load: a few clients in a loop, each pausing between requests, mixing a valid session, a
 * bearer token and anonymous requests on /_gate/auth/nginx, plus logins, for BENCH_SECONDS.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createCookieJar, loginWithForm, startFakeFxa } from '../dev/fake-fxa/index.ts'
import { freePort } from '../test/support/ports.ts'
import { startRedis } from '../test/support/redis.ts'

const root = join(import.meta.dirname, '..')
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 30)
const CLIENTS = Number(process.env['BENCH_CLIENTS'] ?? 4)
const PAUSE_MS = Number(process.env['BENCH_PAUSE_MS'] ?? 10)
const MiB = 2 ** 20

async function memoryOf(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') }
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return
    } catch {}
    await sleep(100)
  }
  throw new Error(`${url} never became ready`)
}

const redis = await startRedis()
const [port, adminPort] = [await freePort(), await freePort()]
const gateUrl = `http://127.0.0.1:${port}`
const fxa = await startFakeFxa({
  clients: [{ clientId: 'mem', clientSecret: 'mem-secret', redirectUris: [`${gateUrl}/_gate/callback`] }],
})
let gate: ChildProcess | undefined
try {
  gate = spawn(process.execPath, [join(root, 'dist/main.js'), 'serve'], {
    stdio: 'ignore',
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'production',
      FXA_GATE_ISSUER: fxa.issuer,
      FXA_GATE_FXA_OAUTH_URL: fxa.oauthUrl,
      FXA_GATE_FXA_PROFILE_URL: fxa.profileUrl,
      FXA_GATE_CLIENT_ID: 'mem',
      FXA_GATE_CLIENT_SECRET: 'mem-secret',
      FXA_GATE_BEARER_ALLOWED_CLIENTS: 'mem',
      FXA_GATE_PUBLIC_URL: gateUrl,
      FXA_GATE_LISTEN: `127.0.0.1:${port}`,
      FXA_GATE_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
      FXA_GATE_COOKIE_SECURE: 'false',
      FXA_GATE_COOKIE_SECRETS: randomBytes(32).toString('hex'),
      FXA_GATE_REDIS_URL: redis.url,
      FXA_GATE_LOG_LEVEL: 'warn',
    },
  })
  const pid = gate.pid!
  await waitReady(`http://127.0.0.1:${adminPort}/readyz`)
  await sleep(5_000)
  const idle = await memoryOf(pid)

  const jar = createCookieJar()
  const started = await jar.fetch(`${gateUrl}/_gate/start`)
  await jar.fetch(await loginWithForm(jar.fetch, started.headers.get('location')!, 'mem@example.org'))
  const cookie = jar.cookieHeader(gateUrl)
  const uid = 'm'.repeat(32)
  fxa.users.set(uid, { uid, email: 'api@example.org' })
  const token = await fxa.issueAccessToken({ uid, clientId: 'mem', scope: 'profile' })
  const original = { 'x-original-url': 'https://app.example.com/page?x=1', 'x-original-method': 'GET' }
  const kinds = [{ cookie }, { authorization: `Bearer ${token}` }, {}, { cookie }] as Record<string, string>[]

  let requests = 0
  let failures = 0
  let peak = 0
  const deadline = Date.now() + SECONDS * 1000
  const sampler = (async () => {
    while (Date.now() < deadline) {
      peak = Math.max(peak, (await memoryOf(pid)).rss)
      await sleep(250)
    }
  })()
  const client = async (n: number) => {
    for (let i = n; Date.now() < deadline; i++) {
      const response = await fetch(`${gateUrl}/_gate/auth/nginx`, {
        headers: { ...original, ...kinds[i % kinds.length] },
      })
      await response.arrayBuffer()
      requests++
      if (![200, 401].includes(response.status)) failures++
      if (i % 500 === 0) await (await fetch(`${gateUrl}/_gate/start?rd=/x`, { redirect: 'manual' })).text()
      await sleep(PAUSE_MS)
    }
  }
  await Promise.all([sampler, ...Array.from({ length: CLIENTS }, (_, n) => client(n))])
  const after = await memoryOf(pid)
  await sleep(10_000)
  const settled = await memoryOf(pid)

  const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`
  const report = [
    `fxa-gate memory — ${new Date().toISOString()} — node ${process.version}, forward-auth, Redis sessions`,
    '',
    `idle (ready, 5 s after start):          ${mib(idle.rss)}`,
    `light load (${CLIENTS} clients, ${PAUSE_MS} ms pause, ${SECONDS} s, ${Math.round(requests / SECONDS)} req/s, ${failures} failures): peak ${mib(peak)}, at the end ${mib(after.rss)}`,
    `10 s after the load:                    ${mib(settled.rss)}`,
    `high-water mark (VmHWM) over the run:   ${mib(settled.hwm)}`,
  ].join('\n')
  console.log(report)
  await mkdir(join(root, '.bench'), { recursive: true })
  await writeFile(join(root, '.bench/memory.md'), `${report}\n`)
} finally {
  gate?.kill('SIGTERM')
  await fxa.close()
  await redis.stop()
}
