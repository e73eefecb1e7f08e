import { type Agent, Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import type { FakeFxa } from '../../dev/fake-fxa/index.ts'
import { createCookieJar, distinctPorts, gateEnv, loginThroughGate, startTestFxa } from '../support/gate.ts'
import { type GateProcess, startGateProcess } from '../support/gate-process.ts'
import { type RecordingUpstream, startRecordingUpstream } from '../support/sidecar.ts'

const redisUrl = inject('redisUrl')
const MiB = 1024 * 1024

interface Answer {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly bytes: number
}

/** One GET; resolves when the whole body arrived, rejects when the connection failed or broke. */
function get(url: string, cookie: string, agent: Agent | false = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent, headers: { cookie } }, (res) => {
      let bytes = 0
      res.on('data', (chunk: Buffer) => (bytes += chunk.length))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes }))
      res.on('aborted', () => reject(new Error(`aborted after ${bytes} bytes`)))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

async function readyStatus(gate: GateProcess): Promise<number> {
  return (await fetch(`${gate.adminUrl}/readyz`)).status
}

describe('graceful shutdown on SIGTERM (fxa-gate in its own process)', () => {
  let fxa: FakeFxa
  let upstream: RecordingUpstream
  let gate: GateProcess | undefined
  let ports: number[]

  beforeAll(async () => {
    upstream = await startRecordingUpstream()
    ports = await distinctPorts(4)
    fxa = await startTestFxa([ports[0]!, ports[2]!])
  })
  afterEach(async () => {
    await gate?.kill()
  })
  afterAll(async () => {
    await fxa?.close()
    await upstream?.close()
  })

  async function start(port: number, adminPort: number, env: Record<string, string>) {
    gate = await startGateProcess(
      gateEnv(fxa, port, adminPort, { redisUrl, env: { FXA_GATE_UPSTREAM: upstream.url, ...env } }),
    )
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'sam@example.org')
    return { gate, cookie: jar.cookieHeader(gate.url) }
  }

  it('fails /readyz at once, serves for the delay, then stops accepting, lets a slow download finish, and exits 0', async () => {
    const { gate, cookie } = await start(ports[0]!, ports[1]!, {
      FXA_GATE_SHUTDOWN_DELAY: '2s',
      FXA_GATE_SHUTDOWN_TIMEOUT: '15s',
    })
    const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 })
    const before = await get(`${gate.url}/app/before`, cookie, agent)
    expect(before.status).toBe(200)
    expect(before.headers.connection).toBe('keep-alive')
    // 4 MiB over 5 s: still streaming when the listener closes.
    const download = get(`${gate.url}/app/trickle?bytes=${4 * MiB}&ms=5000`, cookie)
    await sleep(300)

    const signalled = Date.now()
    gate.signal('SIGTERM')
    while ((await readyStatus(gate)) !== 503) await sleep(10)
    const notReadyAfter = Date.now() - signalled
    expect(notReadyAfter).toBeLessThan(1000)

    // Within the delay: a new connection is served, and the kept one is told to close after its answer.
    const during = await get(`${gate.url}/app/during`, cookie)
    expect(during.status).toBe(200)
    expect(during.headers.connection).toBe('close')
    const kept = await get(`${gate.url}/app/kept`, cookie, agent)
    expect(kept.status).toBe(200)
    expect(kept.headers.connection).toBe('close')

    await sleep(Math.max(0, signalled + 2_500 - Date.now()))
    await expect(get(`${gate.url}/app/after`, cookie)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    expect(await readyStatus(gate)).toBe(503)

    const slow = await download
    expect(slow).toMatchObject({ status: 200, bytes: 4 * MiB })
    const downloadDoneAfter = Date.now() - signalled
    expect(await gate.exited).toBe(0)
    const exitedAfter = Date.now() - signalled
    expect(exitedAfter).toBeLessThan(15_000)
    const done = gate.logs().find((line) => line.msg === 'shut down')
    expect(done).toMatchObject({ clean: true })
    console.log(
      `SIGTERM: /readyz 503 after ${notReadyAfter} ms; listener closed at ~2000 ms; 4 MiB download finished at ${downloadDoneAfter} ms; exit 0 at ${exitedAfter} ms`,
    )
  }, 40_000)

  it('cuts what is still open when FXA_GATE_SHUTDOWN_TIMEOUT is over, and still exits 0', async () => {
    const { gate, cookie } = await start(ports[2]!, ports[3]!, {
      FXA_GATE_SHUTDOWN_DELAY: '200ms',
      FXA_GATE_SHUTDOWN_TIMEOUT: '1s',
    })
    const download = get(`${gate.url}/app/trickle?bytes=${4 * MiB}&ms=20000`, cookie)
    await sleep(300)
    const signalled = Date.now()
    gate.signal('SIGTERM')
    await expect(download).rejects.toThrow()
    expect(await gate.exited).toBe(0)
    const exitedAfter = Date.now() - signalled
    expect(exitedAfter).toBeGreaterThanOrEqual(1_000)
    expect(exitedAfter).toBeLessThan(8_000)
    expect(
      gate.logs().find((line) => line.msg === 'shutdown timeout: closing the connections still open'),
    ).toMatchObject({
      connections: 1,
    })
  }, 40_000)
})
