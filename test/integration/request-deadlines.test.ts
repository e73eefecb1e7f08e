import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startTestGate, type TestGate } from '../support/gate.ts'
import { type RecordingUpstream, startRecordingUpstream } from '../support/sidecar.ts'
import { stall } from '../support/stalled.ts'

const redisUrl = inject('redisUrl')
// Short deadlines, so that the tests are quick; the defaults are 60 s and 10 s.
const ENV = { FXA_GATE_REQUEST_TIMEOUT: '6s', FXA_GATE_REQUEST_BODY_IDLE_TIMEOUT: '2s' }
/** How long a deadline may take to fire: it is checked about once a second. */
const SLACK_MS = 3_000

describe('a stalled request body never holds a connection: own endpoints, sidecar, admin listener', () => {
  let upstream: RecordingUpstream
  let gate: TestGate
  let host: string
  beforeAll(async () => {
    upstream = await startRecordingUpstream()
    gate = await startTestGate({
      redisUrl,
      env: { ...ENV, FXA_GATE_UPSTREAM: upstream.url, FXA_GATE_PUBLIC_PATHS: '/public/*' },
    })
    host = `127.0.0.1:${gate.port}`
  })
  afterAll(async () => {
    await gate?.close()
    await upstream?.close()
  })

  const stalledPost = (path: string, extra = '') =>
    `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n${extra}\r\nab`

  it.each([
    ['/_gate/logout', 'Origin: http://{host}\r\nSec-Fetch-Site: same-origin\r\n'],
    ['/_gate/events/fxa', 'Authorization: Bearer x.y.z\r\n'],
    ['/_gate/auth/nginx', 'X-Original-URL: http://app.test/public/x\r\n'],
    ['/public/upload', ''],
  ])(
    '%s: two bytes of a 100-byte body, then nothing: 408 and closed after the body-idle timeout',
    async (path, extra) => {
      const client = await stall(gate.port, stalledPost(path, extra.replaceAll('{host}', host)))
      const { closed, afterMs, text } = await client.closed(2_000 + SLACK_MS + 2_000)
      client.destroy()
      expect(closed, `still open after ${afterMs} ms`).toBe(true)
      expect(afterMs).toBeGreaterThanOrEqual(1_900)
      expect(text).toMatch(/^HTTP\/1\.1 408 /)
      expect(text).toContain('"error":"REQUEST_TIMEOUT"')
    },
    20_000,
  )

  it('a body trickled one byte a second is cut at the request deadline (408)', async () => {
    const client = await stall(gate.port, stalledPost('/public/slow-body'))
    const trickle = setInterval(() => client.socket.write('x'), 1_000)
    try {
      const { closed, afterMs, text } = await client.closed(6_000 + SLACK_MS + 2_000)
      expect(closed, `still open after ${afterMs} ms`).toBe(true)
      expect(afterMs).toBeGreaterThanOrEqual(5_500)
      expect(text).toMatch(/^HTTP\/1\.1 408 /)
    } finally {
      clearInterval(trickle)
      client.destroy()
    }
  }, 20_000)

  it('headers sent one line at a time are cut at the request deadline too', async () => {
    const client = await stall(gate.port, `GET /public/x HTTP/1.1\r\nHost: ${host}\r\n`)
    const trickle = setInterval(() => client.socket.write('X-Pad: 1\r\n'), 500)
    try {
      const { closed, afterMs } = await client.closed(6_000 + SLACK_MS + 2_000)
      expect(closed, `still open after ${afterMs} ms`).toBe(true)
    } finally {
      clearInterval(trickle)
      client.destroy()
    }
  }, 20_000)

  it('an upload that keeps sending is not cut by the body-idle timeout', async () => {
    const client = await stall(
      gate.port,
      `POST /public/steady HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nConnection: close\r\n\r\n`,
    )
    for (const byte of 'hello') {
      await new Promise((resolve) => setTimeout(resolve, 1_000))
      client.socket.write(byte)
    }
    const { text } = await client.closed(5_000)
    client.destroy()
    expect(text).toMatch(/^HTTP\/1\.1 200 /)
    expect(upstream.seenWith('/public/steady')[0]?.bodyBytes).toBe(5)
  }, 20_000)

  it('the admin listener cuts a stalled body as well', async () => {
    const admin = Number(new URL(gate.adminUrl).port)
    const client = await stall(
      admin,
      `POST /sessions/revoke HTTP/1.1\r\nHost: 127.0.0.1:${admin}\r\nAuthorization: Bearer x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"`,
    )
    const { closed, afterMs } = await client.closed(2_000 + SLACK_MS + 2_000)
    client.destroy()
    expect(closed, `still open after ${afterMs} ms`).toBe(true)
  }, 20_000)
})
