import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startTestGate, type TestGate } from '../support/gate.ts'
import { rawExchange } from '../support/sidecar.ts'
import { stall } from '../support/stalled.ts'

const TOKEN = 'adm1n-'.repeat(8)

describe('admin listener over real sockets', () => {
  let gate: TestGate
  let port: number
  beforeAll(async () => {
    gate = await startTestGate({ redisUrl: inject('redisUrl'), env: { FXA_GATE_ADMIN_TOKEN: TOKEN } })
    port = Number(new URL(gate.adminUrl).port)
  })
  afterAll(async () => gate?.close())

  const revoke = (extra: string, body = '{"user":"u-none"}') =>
    `POST /sessions/revoke HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n${extra}\r\n`

  it('answers an upload without the admin token with 401 before asking for the body (no 100 Continue)', async () => {
    for (const extra of ['', 'Authorization: Bearer wrong\r\n']) {
      const client = await stall(port, revoke(extra))
      const { text } = await client.closed(3_000)
      client.destroy()
      expect(text).toMatch(/^HTTP\/1\.1 401 /)
      expect(text).not.toContain('100 Continue')
    }
  })

  it('asks the token holder for the body, then revokes', async () => {
    const body = '{"user":"u-none"}'
    const client = await stall(port, revoke(`Authorization: Bearer ${TOKEN}\r\nConnection: close\r\n`, body))
    for (let i = 0; i < 50 && !client.received().includes('100 Continue'); i++)
      await new Promise((resolve) => setTimeout(resolve, 50))
    expect(client.received()).toBe('HTTP/1.1 100 Continue\r\n\r\n')
    client.socket.write(body)
    const { text } = await client.closed(3_000)
    expect(text).toContain('HTTP/1.1 200 ')
    expect(text).toContain('"ended":0')
  })

  it('refuses a request for another host name, and one without Host, with 421 / 400', async () => {
    const other = await rawExchange(
      port,
      'GET /metrics HTTP/1.1\r\nHost: evil.test\r\nConnection: close\r\n\r\n',
      {
        untilFirstResponse: true,
      },
    )
    expect(other.status).toBe(421)
    const none = await rawExchange(port, 'GET /metrics HTTP/1.0\r\n\r\n', { untilFirstResponse: true })
    expect([400, 421]).toContain(none.status)
    const own = await rawExchange(
      port,
      `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
      {
        untilFirstResponse: true,
      },
    )
    expect(own.status).toBe(200)
  })
})
