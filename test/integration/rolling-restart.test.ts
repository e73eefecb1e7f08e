import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { FakeFxa } from '../../dev/fake-fxa/index.ts'
import { createCookieJar, distinctPorts, gateEnv, loginThroughGate, startTestFxa } from '../support/gate.ts'
import { type GateProcess, startGateProcess } from '../support/gate-process.ts'
import { type RunningServer, startServer } from '../support/nginx.ts'
import { type RecordingUpstream, startRecordingUpstream } from '../support/sidecar.ts'

const redisUrl = inject('redisUrl')
const MiB = 1024 * 1024

/**
 * nginx in front of two sidecar replicas, as an ingress controller balances a Service's endpoints
 * (keep-alive to the upstreams, retrying another one on a connection error like ingress-nginx's
 * default `proxy_next_upstream error timeout`). `/only-b/` reaches replica B alone, for a download
 * known to be in flight on the replica that restarts.
 */
function nginxConf(dir: string, port: number, replicas: readonly number[], b: number): string {
  return [
    'worker_processes 1;',
    ...(process.getuid?.() === 0 ? ['user root;'] : []),
    'events { worker_connections 1024; }',
    'http {',
    `  client_body_temp_path ${dir}/client-body;`,
    `  proxy_temp_path ${dir}/proxy-temp;`,
    `  fastcgi_temp_path ${dir}/fastcgi-temp;`,
    `  uwsgi_temp_path ${dir}/uwsgi-temp;`,
    `  scgi_temp_path ${dir}/scgi-temp;`,
    '  access_log off;',
    '  server_tokens off;',
    '  upstream gates {',
    ...replicas.map((replica) => `    server 127.0.0.1:${replica} max_fails=0;`),
    '    keepalive 32;',
    '  }',
    '  server {',
    `    listen 127.0.0.1:${port};`,
    '    proxy_http_version 1.1;',
    '    proxy_set_header Connection "";',
    '    proxy_set_header Host $http_host;',
    '    proxy_next_upstream error timeout;',
    '    proxy_buffering off;',
    '    location / { proxy_pass http://gates; }',
    `    location /only-b/ { proxy_pass http://127.0.0.1:${b}; }`,
    '  }',
    '}',
    '',
  ].join('\n')
}

function get(url: string, cookie: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false, headers: { cookie } }, (res) => {
      let bytes = 0
      res.on('data', (chunk: Buffer) => (bytes += chunk.length))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }))
      res.on('aborted', () => reject(new Error(`aborted after ${bytes} bytes`)))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('a rolling restart behind real nginx, under load', () => {
  let fxa: FakeFxa
  let upstream: RecordingUpstream
  let nginx: RunningServer
  let confPath: string
  let dir: string
  const ports: Record<'a' | 'b', { port: number; admin: number }> = {} as never
  const replicas: Partial<Record<'a' | 'b', GateProcess>> = {}
  let env: (name: 'a' | 'b') => Record<string, string>
  let cookie: string

  async function writeConf(names: readonly ('a' | 'b')[]): Promise<void> {
    await writeFile(
      confPath,
      nginxConf(
        dir,
        nginx?.port ?? 0,
        names.map((name) => ports[name].port),
        ports.b.port,
      ),
    )
  }

  async function reloadNginx(names: readonly ('a' | 'b')[]): Promise<void> {
    await writeConf(names)
    process.kill(nginx.pid, 'SIGHUP')
    await sleep(500)
  }

  beforeAll(async () => {
    upstream = await startRecordingUpstream()
    const [pa, aa, pb, ab] = await distinctPorts(4)
    ports.a = { port: pa!, admin: aa! }
    ports.b = { port: pb!, admin: ab! }
    fxa = await startTestFxa([pa!, pb!])
    const shared = {
      cookieSecrets: randomBytes(32).toString('hex'),
      prefix: `roll${randomBytes(4).toString('hex')}:`,
    }
    env = (name) =>
      gateEnv(fxa, ports[name].port, ports[name].admin, {
        redisUrl,
        cookieSecrets: shared.cookieSecrets,
        env: {
          FXA_GATE_UPSTREAM: upstream.url,
          FXA_GATE_REDIS_KEY_PREFIX: shared.prefix,
          FXA_GATE_SHUTDOWN_DELAY: '2s',
          FXA_GATE_SHUTDOWN_TIMEOUT: '20s',
        },
      })
    replicas.a = await startGateProcess(env('a'))
    replicas.b = await startGateProcess(env('b'))
    const jar = createCookieJar()
    await loginThroughGate(jar, replicas.a.url, 'lee@example.org')
    cookie = jar.cookieHeader(replicas.a.url)

    dir = await mkdtemp(join(tmpdir(), 'fxa-gate-roll-'))
    confPath = join(dir, 'nginx.conf')
    nginx = await startServer({
      command: 'nginx',
      dir,
      serverHeader: /^nginx/,
      async args(port) {
        await writeFile(confPath, nginxConf(dir, port, [ports.a.port, ports.b.port], ports.b.port))
        await mkdir(join(dir, 'logs'), { recursive: true })
        return [
          '-p',
          dir,
          '-c',
          confPath,
          '-e',
          'stderr',
          '-g',
          `daemon off; pid ${dir}/nginx.pid; error_log stderr;`,
        ]
      },
    })
  }, 90_000)

  afterAll(async () => {
    await nginx?.stop()
    await replicas.a?.kill()
    await replicas.b?.kill()
    await fxa?.close()
    await upstream?.close()
  })

  /** SIGTERM, then what an endpoint controller does: drop it from nginx soon, add the new pod when ready. */
  async function restart(name: 'a' | 'b', other: 'a' | 'b'): Promise<number> {
    const old = replicas[name]!
    old.signal('SIGTERM')
    await sleep(500)
    await reloadNginx([other])
    const code = await old.exited
    replicas[name] = await startGateProcess(env(name))
    await reloadNginx(['a', 'b'])
    return code as number
  }

  it('fails no request, and a slow download in flight on the restarting replica completes', async () => {
    const base = `http://127.0.0.1:${nginx.port}`
    expect((await get(`${base}/app/warm`, cookie)).status).toBe(200)
    let running = true
    const outcomes = { ok: 0, failed: [] as string[] }
    const worker = async (n: number) => {
      for (let i = 0; running; i++) {
        try {
          const { status } = await get(`${base}/app/load-${n}-${i}`, cookie)
          if (status === 200) outcomes.ok++
          else outcomes.failed.push(`HTTP ${status}`)
        } catch (error) {
          outcomes.failed.push((error as Error).message)
        }
      }
    }
    const workers = Array.from({ length: 6 }, (_, n) => worker(n))
    await sleep(500)
    // 4 MiB over 11 s on B, started before B gets SIGTERM: it must run to its end (fxa-gate used to
    // force its exit 10 s after SIGTERM, cutting downloads).
    const download = get(`${base}/only-b/app/trickle?bytes=${4 * MiB}&ms=11000`, cookie)
    await sleep(300)
    const exitB = await restart('b', 'a')
    const slow = await download
    const exitA = await restart('a', 'b')
    await sleep(500)
    running = false
    await Promise.all(workers)

    console.log(
      `rolling restart: ${outcomes.ok} requests answered 200, ${outcomes.failed.length} failed; download ${slow.bytes} bytes; exits ${exitB}, ${exitA}`,
    )
    expect(outcomes.failed).toEqual([])
    expect(outcomes.ok).toBeGreaterThan(100)
    expect(slow).toEqual({ status: 200, bytes: 4 * MiB })
    expect([exitB, exitA]).toEqual([0, 0])
  }, 120_000)
})
