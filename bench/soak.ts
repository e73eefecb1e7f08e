/**
 * `make soak`: fxa-gate (the built binary, its own process, sessions in a real Redis) under a mixed
 * load for SOAK_DURATION (default 1h), sampling its RSS and heap every 10 s, then a report in
 * .bench/soak.md: is memory flat within ±10 % after warm-up? Not part of `make test`.
 *
 * The mix, per second at SOAK_RATE (default 500): forward-auth with valid sessions (cache hits and
 * misses over a pool), userinfo, bearer tokens (a pool, cached), unknown bearer tokens (each one a
 * provider call and a negative-cache entry), forged cookies; and in the background logins,
 * logouts, operator revocations and password-change events, so sessions keep being created and
 * ended. SOAK_DURATION takes 30s, 5m, 1h; SOAK_RATE a number.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  createCookieJar,
  type FakeFxa,
  loginWithForm,
  startFakeFxa,
  uidForEmail,
} from '../dev/fake-fxa/index.ts'
import { parseDuration } from '../src/config/duration.ts'
import { freePort } from '../test/support/ports.ts'
import { startRedis } from '../test/support/redis.ts'

const root = join(import.meta.dirname, '..')
const DURATION_MS = parseDuration(process.env['SOAK_DURATION'] ?? '1h') ?? 3_600_000
const RATE = Number(process.env['SOAK_RATE'] ?? 500)
const SAMPLE_MS = 10_000
// V8 sizes its heap over the first minutes of load: only what follows counts.
const WARM_UP_MS = Math.min(300_000, DURATION_MS / 3)
const SESSIONS = 200
const TOKENS = 50

const request = (url: string, init: RequestInit = {}) => fetch(url, { ...init, redirect: 'manual' })

interface Sample {
  readonly at: number
  readonly rss: number
  readonly heapUsed: number
  readonly heapTotal: number
  readonly requests: number
  readonly errors: number
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024
}

async function heapOf(adminUrl: string): Promise<{ used: number; total: number }> {
  const text = await (await request(`${adminUrl}/metrics`)).text()
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN)
  return {
    used: value('nodejs_heap_size_used_bytes'),
    total: value('nodejs_heap_size_total_bytes'),
  }
}

/** The admin listener refuses state changes without it, from every caller. */
const ADMIN_TOKEN = randomBytes(24).toString('hex')

async function startGate(
  fxa: FakeFxa,
  redisUrl: string,
  port: number,
  adminPort: number,
): Promise<ChildProcess> {
  const gate = spawn(process.execPath, [join(root, 'dist/main.js')], {
    env: {
      PATH: process.env['PATH'] ?? '',
      FXA_GATE_ISSUER: fxa.issuer,
      FXA_GATE_FXA_OAUTH_URL: fxa.oauthUrl,
      FXA_GATE_FXA_PROFILE_URL: fxa.profileUrl,
      FXA_GATE_CLIENT_ID: 'soak',
      FXA_GATE_CLIENT_SECRET: 'soak-secret',
      FXA_GATE_PUBLIC_URL: `http://127.0.0.1:${port}`,
      FXA_GATE_LISTEN: `127.0.0.1:${port}`,
      FXA_GATE_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
      FXA_GATE_COOKIE_SECURE: 'false',
      FXA_GATE_COOKIE_SECRETS: randomBytes(32).toString('hex'),
      FXA_GATE_REDIS_URL: redisUrl,
      FXA_GATE_ADMIN_TOKEN: ADMIN_TOKEN,
      FXA_GATE_LOG_LEVEL: 'warn',
      // The heap settings the image and the chart run with (Dockerfile, values.yaml nodeOptions):
      // memory is judged as it runs in a pod.
      NODE_OPTIONS: process.env['SOAK_NODE_OPTIONS'] ?? '--max-semi-space-size=2 --max-old-space-size=128',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  for (let i = 0; i < 300; i++) {
    if (
      await request(`http://127.0.0.1:${adminPort}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return gate
    await sleep(100)
  }
  throw new Error('fxa-gate did not become ready')
}

/** One browser login through the gate; returns the session cookie header. */
async function login(gateUrl: string, email: string): Promise<string> {
  const jar = createCookieJar((input, init) => request(String(input), init))
  const started = await jar.fetch(`${gateUrl}/_gate/start`)
  const callback = await loginWithForm(jar.fetch, started.headers.get('location')!, email)
  await (await jar.fetch(callback)).arrayBuffer()
  return jar.cookieHeader(gateUrl)
}

const MiB = 2 ** 20
const mib = (bytes: number) => (bytes / MiB).toFixed(1)

async function main(): Promise<void> {
  const [port, adminPort, fxaPort] = [await freePort(), await freePort(), await freePort()]
  const gateUrl = `http://127.0.0.1:${port}`
  const adminUrl = `http://127.0.0.1:${adminPort}`
  const redis = await startRedis()
  const fxa = await startFakeFxa({
    port: fxaPort,
    clients: [{ clientId: 'soak', clientSecret: 'soak-secret', redirectUris: [`${gateUrl}/_gate/callback`] }],
    logError: () => {},
  } as Parameters<typeof startFakeFxa>[0])
  const gate = await startGate(fxa, redis.url, port, adminPort)
  let stopping = false
  const stopAll = async () => {
    stopping = true
    gate.kill('SIGTERM')
    await fxa.close()
    await redis.stop()
  }
  try {
    const emails = Array.from({ length: SESSIONS }, (_, i) => `soak-${i}@example.org`)
    const cookies: string[] = []
    for (const email of emails) cookies.push(await login(gateUrl, email))
    const tokens: string[] = []
    for (let i = 0; i < TOKENS; i++) {
      const uid = uidForEmail(emails[i]!)
      tokens.push(await fxa.issueAccessToken({ uid, clientId: 'soak', scope: 'profile', ttlSeconds: 86_400 }))
    }
    const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)]!
    const nginx = { 'x-original-url': 'https://app.example.com/page' }
    const mix: Array<[number, () => Promise<Response>]> = [
      [60, () => request(`${gateUrl}/_gate/auth/nginx`, { headers: { ...nginx, cookie: pick(cookies) } })],
      [12, () => request(`${gateUrl}/_gate/userinfo`, { headers: { cookie: pick(cookies) } })],
      [
        15,
        () =>
          request(`${gateUrl}/_gate/auth/nginx`, {
            headers: { ...nginx, authorization: `Bearer ${pick(tokens)}` },
          }),
      ],
      [
        3,
        () =>
          request(`${gateUrl}/_gate/auth/nginx`, {
            headers: { ...nginx, authorization: `Bearer ${randomBytes(24).toString('hex')}` },
          }),
      ],
      [
        10,
        () =>
          request(`${gateUrl}/_gate/auth/nginx`, {
            headers: { ...nginx, cookie: `fxa_gate=${randomBytes(40).toString('base64url')}` },
          }),
      ],
    ]
    const total = mix.reduce((sum, [weight]) => sum + weight, 0)
    const counts = { requests: 0, errors: 0, inFlight: 0 }
    const fire = () => {
      if (counts.inFlight >= 256) return
      const roll = Math.random() * total
      let sum = 0
      const send =
        mix.find(([weight]) => {
          sum += weight
          return roll < sum
        })?.[1] ?? mix[0]![1]
      counts.inFlight++
      send()
        .then(
          async (response) => {
            await response.arrayBuffer()
            if (response.status >= 500) counts.errors++
          },
          () => counts.errors++,
        )
        .finally(() => {
          counts.inFlight--
          counts.requests++
        })
    }
    // Sessions come and go: a logout and a fresh login, a revocation, a password change.
    const churn = async () => {
      for (let n = 0; !stopping; n++) {
        const i = Math.floor(Math.random() * SESSIONS)
        const email = emails[i]!
        try {
          if (n % 10 === 5) {
            await request(`${adminUrl}/sessions/revoke`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
              body: JSON.stringify({ user: uidForEmail(email) }),
            })
          } else if (n % 10 === 9) {
            const set = await fxa.signSet({
              sub: uidForEmail(email),
              events: {
                'https://schemas.accounts.firefox.com/event/password-change': { changeTime: Date.now() },
              },
            })
            await request(`${gateUrl}/_gate/events/fxa`, {
              method: 'POST',
              headers: { authorization: `Bearer ${set}` },
            })
          } else {
            await request(`${gateUrl}/_gate/logout`, {
              method: 'POST',
              headers: { cookie: cookies[i]!, origin: gateUrl, 'sec-fetch-site': 'same-origin' },
            })
          }
          cookies[i] = await login(gateUrl, email)
        } catch {
          counts.errors++
        }
        await sleep(250)
      }
    }
    const churning = churn()

    const samples: Sample[] = []
    const started = performance.now()
    const sample = async () => {
      const heap = await heapOf(adminUrl)
      samples.push({
        at: (performance.now() - started) / 1000,
        rss: await rssOf(gate.pid!),
        heapUsed: heap.used,
        heapTotal: heap.total,
        requests: counts.requests,
        errors: counts.errors,
      })
      const last = samples.at(-1)!
      process.stdout.write(
        `${last.at.toFixed(0).padStart(5)} s  rss ${mib(last.rss)} MiB  heap ${mib(last.heapUsed)}/${mib(last.heapTotal)} MiB  ${last.requests} requests, ${last.errors} 5xx/errors\n`,
      )
    }
    await sample()
    const perTick = RATE / 100
    let owed = 0
    let nextSample = SAMPLE_MS
    while (performance.now() - started < DURATION_MS) {
      owed += perTick
      for (; owed >= 1; owed--) fire()
      await sleep(10)
      if (performance.now() - started >= nextSample) {
        nextSample += SAMPLE_MS
        await sample()
      }
    }
    stopping = true
    await churning
    await sample()
    await report(samples)
  } finally {
    await stopAll()
  }
}

async function report(samples: Sample[]): Promise<void> {
  const warm = samples.filter((s) => s.at * 1000 >= WARM_UP_MS)
  const seconds = samples.at(-1)!.at
  const rate = samples.at(-1)!.requests / seconds
  const lines = [
    `# fxa-gate soak — ${new Date().toISOString()}`,
    '',
    `${(seconds / 60).toFixed(1)} min at ${rate.toFixed(0)} req/s (asked ${RATE}), node ${process.version}; warm-up ${(WARM_UP_MS / 1000).toFixed(0)} s excluded from the verdict.`,
    `${samples.at(-1)!.requests} requests, ${samples.at(-1)!.errors} answered 5xx or failed.`,
    '',
  ]
  if (warm.length >= 3) {
    // Floors (minima) of each half: V8 grows and returns memory in waves, a leak raises the floor.
    const half = Math.max(1, Math.floor(warm.length / 2))
    const floor = (list: Sample[], key: 'rss' | 'heapUsed') => Math.min(...list.map((s) => s[key]))
    for (const [name, key] of [
      ['heap used', 'heapUsed'],
      ['RSS', 'rss'],
    ] as const) {
      const first = floor(warm.slice(0, half), key)
      const last = floor(warm.slice(half), key)
      const change = (last - first) / first
      const word =
        Math.abs(change) <= 0.1 ? 'flat within ±10 %' : change < 0 ? 'shrinking (no leak)' : 'GROWING'
      const range = `${mib(Math.min(...warm.map((s) => s[key])))}–${mib(Math.max(...warm.map((s) => s[key])))} MiB`
      lines.push(
        `- ${name}: floor ${mib(first)} MiB in the first half after warm-up, ${mib(last)} MiB in the second (${(change * 100).toFixed(1)} %), range ${range}: ${word}`,
      )
    }
  } else {
    lines.push('- too short for a verdict: run longer than the warm-up')
  }
  lines.push(
    '',
    '| s | RSS MiB | heap used MiB | heap total MiB | requests | 5xx/errors |',
    '|---:|---:|---:|---:|---:|---:|',
  )
  for (const s of samples)
    lines.push(
      `| ${s.at.toFixed(0)} | ${mib(s.rss)} | ${mib(s.heapUsed)} | ${mib(s.heapTotal)} | ${s.requests} | ${s.errors} |`,
    )
  await mkdir(join(root, '.bench'), { recursive: true })
  await writeFile(join(root, '.bench/soak.md'), `${lines.join('\n')}\n`)
  process.stdout.write(`\n${lines.slice(0, 8).join('\n')}\nreport: .bench/soak.md\n`)
}

await main()
