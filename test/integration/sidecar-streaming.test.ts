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
/** fxa-gate may grow by less than this while a 1 GiB body passes through it, either way. */
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

describe('sidecar: streaming in bounded memory (fxa-gate in its own process)', () => {
  let upstream: RecordingUpstream
  let fxa: FakeFxa
  let child: ChildProcess
  let url: string
  let cookie: string
  const figures: string[] = []

  beforeAll(async () => {
    upstream = await startRecordingUpstream()
    const [port, adminPort] = [await freePort(), await freePort()]
    fxa = await startTestFxa([port])
    const env = gateEnv(fxa, port, adminPort, { redisUrl, env: { FXA_GATE_UPSTREAM: upstream.url } })
    // The real entry point, as deployed: node runs the TypeScript sources directly.
    child = spawn(
      process.execPath,
      [
        ...(process.env['SIDECAR_NODE_FLAGS'] ?? '').split(' ').filter(Boolean),
        join(import.meta.dirname, '../../src/main.ts'),
        'serve',
      ],
      {
        env: { PATH: process.env['PATH'] ?? '', ...env },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    )
    url = `http://127.0.0.1:${port}`
    const deadline = Date.now() + 20_000
    while (
      !(await fetch(`http://127.0.0.1:${adminPort}/readyz`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('fxa-gate did not start')
      await sleep(100)
    }
    const jar = createCookieJar()
    await loginThroughGate(jar, url, 'ann@example.org')
    cookie = jar.cookieHeader(url)
    // Warm up: pools, buffers and JIT settle before the baseline is taken.
    for (let i = 0; i < 3; i++) {
      expect((await upload(`${url}/upload`, cookie, 64 * MiB)).status).toBe(200)
      expect((await download(`${url}/download?bytes=${64 * MiB}`, cookie)).bytes).toBe(64 * MiB)
    }
  }, 60_000)

  afterAll(async () => {
    if (figures.length > 0) console.log(`sidecar streaming: ${figures.join('; ')}`)
    child?.kill('SIGTERM')
    await fxa?.close()
    await upstream?.close()
  })

  it('passes a 1 GiB upload with RSS growth under 64 MiB', async () => {
    const baseline = await rssOf(child.pid!)
    const sampler = samplePeak(child.pid!)
    const started = Date.now()
    const response = await upload(`${url}/upload`, cookie, GiB)
    const peak = await sampler.stop()
    expect(response.status).toBe(200)
    expect(JSON.parse(response.body)).toMatchObject({ bodyBytes: GiB })
    figures.push(
      `upload 1 GiB in ${Date.now() - started} ms, RSS ${(baseline / MiB).toFixed(0)} → peak ${(peak / MiB).toFixed(0)} MiB (+${((peak - baseline) / MiB).toFixed(1)})`,
    )
    expect(peak - baseline).toBeLessThan(RSS_BUDGET)
  }, 120_000)

  it('passes a 1 GiB download with RSS growth under 64 MiB', async () => {
    const baseline = await rssOf(child.pid!)
    const sampler = samplePeak(child.pid!)
    const started = Date.now()
    const response = await download(`${url}/download?bytes=${GiB}`, cookie)
    const peak = await sampler.stop()
    expect(response).toEqual({ status: 200, bytes: GiB })
    figures.push(
      `download 1 GiB in ${Date.now() - started} ms, RSS ${(baseline / MiB).toFixed(0)} → peak ${(peak / MiB).toFixed(0)} MiB (+${((peak - baseline) / MiB).toFixed(1)})`,
    )
    expect(peak - baseline).toBeLessThan(RSS_BUDGET)
  }, 120_000)
})
