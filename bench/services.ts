/**
 * `node bench/services.ts`: what a service with nodes costs on the hot path. One gate (in this
 * process, with a real Redis), one signed-in user; autocannon asks /_gate/auth/nginx for a host of
 * no service, then for a host of a service with nodes, alternating rounds; Redis's own command
 * counters say which commands each run sent besides the background ones (pings of idle
 * connections, the 10 s read of each service's nodes): the goal is none per request, and none more
 * for a service with nodes than for a host of no service.
 */
import { randomBytes } from 'node:crypto'
import autocannon from 'autocannon'
import { Redis } from 'ioredis'
import { createCookieJar, loginThroughGate, startTestGate } from '../test/support/gate.ts'
import { startRedis } from '../test/support/redis.ts'

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5)
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3)

const redisServer = await startRedis()
const gate = await startTestGate({
  redisUrl: redisServer.url,
  env: {
    FXA_GATE_SERVICES: JSON.stringify([
      {
        name: 'storage',
        hosts: ['storage.example.com'],
        audience: 'storage',
        releaseRate: 1,
        nodes: [
          { url: 'https://n1.example.com', capacity: 1000 },
          { url: 'https://n2.example.com', capacity: 1000 },
        ],
      },
    ]),
    FXA_GATE_REDIS_KEY_PREFIX: `bench${randomBytes(3).toString('hex')}:`,
  },
})
const jar = createCookieJar()
await loginThroughGate(jar, gate.url, 'bench@example.org')
const cookie = jar.cookieHeader(gate.url)
const redis = new Redis(redisServer.url)

/** Commands Redis ran, by name, besides the background ones (pings, the 10 s read of the nodes). */
async function commands(): Promise<Map<string, number>> {
  const counts = new Map<string, number>()
  for (const [, name, calls] of (await redis.info('commandstats')).matchAll(/cmdstat_(\w+):calls=(\d+)/g)) {
    if (!['ping', 'info', 'hgetall'].includes(name!)) counts.set(name!, Number(calls))
  }
  return counts
}

function difference(after: Map<string, number>, before: Map<string, number>): string {
  const sent = [...after].map(([name, calls]) => [name, calls - (before.get(name) ?? 0)] as const)
  return (
    sent
      .filter(([, calls]) => calls > 0)
      .map(([name, calls]) => `${name} ${calls}`)
      .join(', ') || 'none'
  )
}

async function run(host: string) {
  const url = `${gate.url}/_gate/auth/nginx?host=${host}`
  const headers = { cookie, 'x-original-url': `https://${host}/data` }
  await autocannon({ url, headers, connections: 16, duration: 1 })
  const before = await commands()
  const result = await autocannon({ url, headers, connections: 16, duration: SECONDS })
  const sent = difference(await commands(), before)
  return {
    rps: Math.round(result.requests.average),
    p99: result.latency.p99,
    non2xx: result.non2xx,
    total: result.requests.total,
    sent,
  }
}

const rows: string[] = []
for (let round = 1; round <= ROUNDS; round++) {
  for (const [name, host] of [
    ['no service', 'plain.example.com'],
    ['service with nodes', 'storage.example.com'],
  ] as const) {
    const r = await run(host)
    rows.push(`| ${round} | ${name} | ${r.rps} | ${r.p99} ms | ${r.total} | ${r.sent} | ${r.non2xx} |`)
  }
}
console.log(
  '| round | host | req/s | p99 | requests | Redis commands | non-2xx |\n|---|---|---:|---:|---:|---:|---:|',
)
console.log(rows.join('\n'))
redis.disconnect()
await gate.close()
await redisServer.stop()
