import { type ChildProcess, spawn } from 'node:child_process'
import { request } from 'node:http'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { expect, inject, it } from 'vitest'
import { createCookieJar, gateEnv, loginThroughGate, startTestFxa } from '../support/gate.ts'
import { freePort } from '../support/ports.ts'
import { rssOf, startRecordingUpstream, writeGenerated } from '../support/sidecar.ts'
const MiB = 1024 * 1024
function upload(url: string, cookie: string, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { cookie, 'content-length': String(bytes) } })
    req.on('response', (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)) })
    req.on('error', reject)
    writeGenerated(req, bytes).then(() => req.end(), reject)
  })
}
it('diag', async () => {
  const upstream = await startRecordingUpstream()
  const [port, adminPort] = [await freePort(), await freePort()]
  const fxa = await startTestFxa([port])
  const env = gateEnv(fxa, port, adminPort, { redisUrl: inject('redisUrl'), env: { FXA_GATE_UPSTREAM: upstream.url } })
  const child: ChildProcess = spawn(process.execPath, [...(process.env.DIAG_FLAGS ?? '').split(' ').filter(Boolean), join(import.meta.dirname, '../../src/main.ts'), 'serve'], { env: { PATH: process.env['PATH'] ?? '', ...env, ...(process.env.DIAG_ENV ? Object.fromEntries([process.env.DIAG_ENV.split('=')]) : {}) }, stdio: ['ignore', (await import('node:fs')).openSync('/tmp/sc/gc.log', 'w'), 'inherit'] })
  const url = `http://127.0.0.1:${port}`
  while (!(await fetch(`http://127.0.0.1:${adminPort}/readyz`).then((r) => r.ok, () => false))) await sleep(100)
  const jar = createCookieJar(); await loginThroughGate(jar, url, 'ann@example.org'); const cookie = jar.cookieHeader(url)
  const metric = async () => { const t = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text(); const g = (n: string) => Number(new RegExp(`^${n} (\\S+)`, 'm').exec(t)?.[1] ?? 0) / MiB; return `rss ${(await rssOf(child.pid!) / MiB).toFixed(0)} heapUsed ${g('fxa_gate_process_nodejs_heap_size_used_bytes').toFixed(0)} heapTotal ${g('fxa_gate_process_nodejs_heap_size_total_bytes').toFixed(0)} ext ${g('fxa_gate_process_nodejs_external_memory_bytes').toFixed(0)}` }
  for (const size of [64, 64, 64, 1024, 1024, 2048]) {
    const before = await metric()
    let peak = 0; let run = true
    const loop = (async () => { while (run) { peak = Math.max(peak, await rssOf(child.pid!)); await sleep(20) } })()
    await upload(`${url}/upload`, cookie, size * MiB)
    run = false; await loop
    console.log(`${size} MiB: before ${before} | peak rss ${(peak / MiB).toFixed(0)} | after ${await metric()}`)
  }
  child.kill(); await fxa.close(); await upstream.close()
}, 200_000)
