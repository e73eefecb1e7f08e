import { type ChildProcess, spawn } from 'node:child_process'
import { request } from 'node:http'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { FakeFxa } from '../../dev/fake-fxa/index.ts'
import { createCookieJar, gateEnv, loginThroughGate, startTestFxa } from '../support/gate.ts'
import { freePort } from '../support/ports.ts'
import { type RecordingUpstream, rssOf, startRecordingUpstream, writeGenerated } from '../support/sidecar.ts'

const redisUrl = inject('redisUrl')
const MiB = 1024 * 1024
const GiB = 1024 * MiB
/** What a 1 GiB body may add to fxa-gate's RSS, either way (see below for against what). */
const RSS_BUDGET = 64 * MiB

/** Samples a process's RSS every few milliseconds until stopped; returns the peak. */
function samplePeak(pid: number): { stop(): Promise<number> } {
  let peak = 0
  let running = true
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await rssOf(pid))
      await sleep(20)
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return Math.max(peak, await rssOf(pid))
    },
  }
}

function upload(url: string, cookie: string, bytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'PUT',
      headers: { cookie, 'content-type': 'application/octet-stream', 'content-length': String(bytes) },
    })
    req.on('response', (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    writeGenerated(req, bytes).then(() => req.end(), reject)
  })
}

function download(url: string, cookie: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { cookie } })
    req.on('response', (res) => {
      let bytes = 0
      res.on('data', (chunk: Buffer) => (bytes += chunk.length))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }))
    })
    req.on('error', reject)
    req.end()
  })
}

/**
 * How memory is judged. V8 frees the Buffers a stream leaves behind only at a garbage collection,
 * and it starts one for them after about 64 MB of such allocations: any Node.js proxy streaming at
 * full speed swings by that much, whatever the body size, and the RSS measured just before a
 * transfer may sit at either end of the swing. So the budget applies to what a body's *size* adds:
 * the peak while 1 GiB passes against the peak while 64 MiB bodies passed (the warmed-up streaming
 * working set). A proxy that buffered bodies would add about 1 GiB; the swing itself is reported.
 */
describe('sidecar: streaming in bounded memory (fxa-gate in its own process)', () => {
  let upstream: RecordingUpstream
  let fxa: FakeFxa
  let child: ChildProcess
  let url: string
  let cookie: string
  let idle: number
  let workingSet: number
  const figures: string[] = []

  beforeAll(async () => {
    upstream = await startRecordingUpstream()
    const [port, adminPort] = [await freePort(), await freePort()]
    fxa = await startTestFxa([port])
    const env = gateEnv(fxa, port, adminPort, { redisUrl, env: { FXA_GATE_UPSTREAM: upstream.url } })
    // The real entry point with node's default flags: node runs the TypeScript sources directly.
    child = spawn(process.execPath, [join(import.meta.dirname, '../../src/main.ts'), 'serve'], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    url = `http://127.0.0.1:${port}`
    const deadline = Date.now() + 20_000
    const ready = () =>
      fetch(`http://127.0.0.1:${adminPort}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    while (!(await ready())) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('fxa-gate did not start')
      await sleep(100)
    }
    const jar = createCookieJar()
    await loginThroughGate(jar, url, 'ann@example.org')
    cookie = jar.cookieHeader(url)
    idle = await rssOf(child.pid!)
    // Warm up (pools, buffers, JIT, V8's young generation) with 64 MiB bodies both ways.
    const sampler = samplePeak(child.pid!)
    for (let i = 0; i < 3; i++) {
      expect((await upload(`${url}/upload`, cookie, 64 * MiB)).status).toBe(200)
      expect((await download(`${url}/download?bytes=${64 * MiB}`, cookie)).bytes).toBe(64 * MiB)
    }
    workingSet = await sampler.stop()
  }, 60_000)

  afterAll(async () => {
    const mib = (bytes: number) => (bytes / MiB).toFixed(0)
    if (figures.length > 0)
      console.log(
        `sidecar streaming RSS (MiB): idle ${mib(idle)}, peak with 64 MiB bodies ${mib(workingSet)}; ${figures.join('; ')}`,
      )
    child?.kill('SIGTERM')
    await fxa?.close()
    await upstream?.close()
  })

  async function measure(name: string, transfer: () => Promise<void>): Promise<number> {
    const before = await rssOf(child.pid!)
    const sampler = samplePeak(child.pid!)
    const started = Date.now()
    await transfer()
    const peak = await sampler.stop()
    const mib = (bytes: number) => (bytes / MiB).toFixed(1)
    figures.push(
      `${name} 1 GiB in ${Date.now() - started} ms: before ${mib(before)}, peak ${mib(peak)} (+${mib(peak - before)} over before, ${peak >= workingSet ? '+' : ''}${mib(peak - workingSet)} over the 64 MiB peak)`,
    )
    return peak
  }

  it('passes a 1 GiB upload, and the body size adds under 64 MiB of RSS', async () => {
    const peak = await measure('upload', async () => {
      const response = await upload(`${url}/upload`, cookie, GiB)
      expect(response.status).toBe(200)
      expect(JSON.parse(response.body)).toMatchObject({ bodyBytes: GiB })
    })
    expect(peak - workingSet).toBeLessThan(RSS_BUDGET)
  }, 120_000)

  it('passes a 1 GiB download, and the body size adds under 64 MiB of RSS', async () => {
    const peak = await measure('download', async () => {
      expect(await download(`${url}/download?bytes=${GiB}`, cookie)).toEqual({ status: 200, bytes: GiB })
    })
    expect(peak - workingSet).toBeLessThan(RSS_BUDGET)
  }, 120_000)
})
