import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { startTestGate, type TestGate } from '../support/gate.ts'
import { type RecordingUpstream, rawExchange, startRecordingUpstream } from '../support/sidecar.ts'
import { type StalledClient, stall } from '../support/stalled.ts'

const redisUrl = inject('redisUrl')

/** The upload that never finishes: a large Content-Length, two bytes, then nothing. */
const stalledUpload = (host: string) =>
  `POST /public/u HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/octet-stream\r\nContent-Length: 10000000\r\n\r\nab`

describe('sidecar: no client holds the upstream pool, a connection or a request for good', () => {
  let upstream: RecordingUpstream
  let gate: TestGate
  let host: string
  const open: StalledClient[] = []

  beforeAll(async () => {
    upstream = await startRecordingUpstream()
    gate = await startTestGate({
      redisUrl,
      env: {
        FXA_GATE_UPSTREAM: upstream.url,
        FXA_GATE_PUBLIC_PATHS: '/public/*',
        // Long deadlines: these tests show the pool and the limits hold while stalled uploads live.
        FXA_GATE_REQUEST_TIMEOUT: '120s',
        FXA_GATE_REQUEST_BODY_IDLE_TIMEOUT: '60s',
      },
    })
    host = `127.0.0.1:${gate.port}`
  })
  afterEach(() => {
    for (const client of open.splice(0)) client.destroy()
  })
  afterAll(async () => {
    await gate?.close()
    await upstream?.close()
  })

  async function stallMany(count: number, addresses: number): Promise<StalledClient[]> {
    const clients = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        stall(gate.port, stalledUpload(host), `127.0.1.${1 + (i % addresses)}`),
      ),
    )
    open.push(...clients)
    // Let every upload reach the sidecar and, where admitted, the upstream.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    return clients
  }

  const answeredWith = (clients: StalledClient[], status: number) =>
    clients.filter((client) => client.received().startsWith(`HTTP/1.1 ${status} `)).length

  it('answers other requests while 260 uploads from 26 addresses stall (the finding: no answer in 12 s)', async () => {
    const clients = await stallMany(260, 26)
    const response = await rawExchange(
      gate.port,
      `GET /public/ok HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      { untilFirstResponse: true, timeoutMs: 10_000 },
    )
    expect(response.status).toBe(200)
    // Uploads beyond the share of the pool they may hold were refused at once, with a Retry-After.
    const refused = answeredWith(clients, 503)
    expect(refused).toBeGreaterThanOrEqual(260 - 128)
    expect(clients.find((client) => client.received().startsWith('HTTP/1.1 503 '))?.received()).toMatch(
      /\r\nretry-after: \d+\r\n/i,
    )
  }, 60_000)

  it('holds one address to its own share of uploads (429), so it cannot take the others’ share', async () => {
    const clients = await stallMany(40, 1)
    expect(answeredWith(clients, 429)).toBe(40 - 16)
    const other = await stall(gate.port, stalledUpload(host), '127.0.2.1')
    open.push(other)
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(other.received()).toBe('') // admitted, still uploading
  }, 60_000)

  it('limits the requests one connection has in flight (pipelining) with 429, answering them in order', async () => {
    const pipelined = `GET /public/slow?ms=300 HTTP/1.1\r\nHost: ${host}\r\n\r\n`.repeat(40)
    const response = await rawExchange(gate.port, pipelined, { idleMs: 2_000, timeoutMs: 20_000 })
    const statuses = [...response.text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]))
    expect(statuses).toHaveLength(40)
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(16)
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(0)
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true)
  }, 60_000)
})

describe('sidecar: 100 Continue only once the request is allowed', () => {
  let upstream: RecordingUpstream
  let gate: TestGate
  let host: string
  beforeAll(async () => {
    upstream = await startRecordingUpstream()
    gate = await startTestGate({
      redisUrl,
      env: { FXA_GATE_UPSTREAM: upstream.url, FXA_GATE_PUBLIC_PATHS: '/public/*' },
    })
    host = `127.0.0.1:${gate.port}`
  })
  afterAll(async () => {
    await gate?.close()
    await upstream?.close()
  })

  it('answers an anonymous upload to a protected path with 401 and never asks for its body', async () => {
    const client = await stall(
      gate.port,
      `POST /private/upload HTTP/1.1\r\nHost: ${host}\r\nAccept: application/json\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n`,
    )
    const { text } = await client.closed(5_000)
    client.destroy()
    expect(text).toMatch(/^HTTP\/1\.1 401 /)
    expect(text).not.toContain('100 Continue')
    expect(upstream.seenWith('/private/upload')).toEqual([])
  })

  it('asks for the body of an allowed upload, then streams it through', async () => {
    const client = await stall(
      gate.port,
      `POST /public/upload HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
    )
    for (let i = 0; i < 50 && !client.received().includes('100 Continue'); i++)
      await new Promise((resolve) => setTimeout(resolve, 50))
    expect(client.received()).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n$/)
    client.socket.write('hello')
    const { text } = await client.closed(5_000)
    expect(text).toMatch(/HTTP\/1\.1 200 /)
    expect(upstream.seenWith('/public/upload')[0]?.bodyBytes).toBe(5)
  })
})
