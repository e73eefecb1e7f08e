import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { WebSocket } from 'ws'
import { createCookieJar, loginThroughGate, startTestGate, type TestGate } from '../support/gate.ts'
import { type RecordingUpstream, rawExchange, startRecordingUpstream } from '../support/sidecar.ts'

const redisUrl = inject('redisUrl')

function upgradeRequest(host: string, path: string, extra = ''): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
    `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`
  )
}

function headerOf(rawHeaders: readonly string[], name: string): string[] {
  return rawHeaders.filter((_, i) => i % 2 === 1 && rawHeaders[i - 1]!.toLowerCase() === name)
}

describe('sidecar: websockets', () => {
  let upstream: RecordingUpstream
  let gate: TestGate
  let session: string
  let host: string

  beforeAll(async () => {
    upstream = await startRecordingUpstream()
    gate = await startTestGate({ redisUrl, env: { FXA_GATE_UPSTREAM: upstream.url } })
    host = `127.0.0.1:${gate.port}`
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'ann@example.org')
    const name = gate.config.cookie.sessionName
    session = `${name}=${new RegExp(`(?:^|; )${name}=([^;]+)`).exec(jar.cookieHeader(gate.url))![1]}`
  })
  afterAll(async () => {
    await gate?.close()
    await upstream?.close()
  })

  it('proxies an authenticated upgrade end to end, with identity headers and without the session cookie', async () => {
    const socket = new WebSocket(`ws://${host}/ws/chat?room=1`, {
      headers: { cookie: `${session}; theme=dark`, 'x-user-id': 'forged', X_User_Email: 'forged@evil.test' },
    })
    await new Promise((resolve, reject) => {
      socket.once('open', resolve)
      socket.once('error', reject)
    })
    const echoed = new Promise<string>((resolve) => socket.once('message', (data) => resolve(String(data))))
    socket.send('hello through fxa-gate')
    expect(await echoed).toBe('hello through fxa-gate')
    const metrics = await (await fetch(`${gate.adminUrl}/metrics`)).text()
    expect(metrics).toMatch(/fxa_gate_websockets_open 1/)
    socket.close()

    const seen = upstream.seenWith('/ws/chat?room=1')
    expect(seen).toHaveLength(1)
    const raw = seen[0]!.rawHeaders
    expect(headerOf(raw, 'x-user-email')).toEqual(['ann@example.org'])
    expect(headerOf(raw, 'x-user-id')[0]).toMatch(/^[0-9a-f]{32}$/)
    expect(headerOf(raw, 'x-user-assertion')).toHaveLength(1)
    expect(raw.filter((name, i) => i % 2 === 0 && /^x.user.email$/i.test(name))).toEqual(['x-user-email'])
    expect(headerOf(raw, 'cookie')).toEqual(['theme=dark'])
  })

  it('ends an open websocket within seconds when its session is logged out elsewhere', async () => {
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'wes@example.org')
    const socket = new WebSocket(`ws://${host}/ws/live`, { headers: { cookie: jar.cookieHeader(gate.url) } })
    await new Promise((resolve, reject) => {
      socket.once('open', resolve)
      socket.once('error', reject)
    })
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())))
    const loggedOut = Date.now()
    expect(
      (await jar.fetch(`${gate.url}/_gate/logout`, { headers: { 'sec-fetch-site': 'same-origin' } })).status,
    ).toBe(302)
    const at = await Promise.race([
      closed,
      new Promise<number>((resolve) => setTimeout(() => resolve(-1), 5000)),
    ])
    expect(at).toBeGreaterThan(0)
    expect(at - loggedOut).toBeLessThan(3000)
    const metrics = await (await fetch(`${gate.adminUrl}/metrics`)).text()
    expect(metrics).toMatch(/fxa_gate_websockets_revoked_total [1-9]/)
  })

  it('keeps an open websocket whose session is still valid', async () => {
    const socket = new WebSocket(`ws://${host}/ws/steady`, { headers: { cookie: session } })
    await new Promise((resolve, reject) => {
      socket.once('open', resolve)
      socket.once('error', reject)
    })
    await new Promise((resolve) => setTimeout(resolve, 2200))
    const echoed = new Promise<string>((resolve) => socket.once('message', (data) => resolve(String(data))))
    socket.send('still here')
    expect(await echoed).toBe('still here')
    socket.close()
  })

  it('refuses an anonymous upgrade with 401, and the upstream sees nothing', async () => {
    const socket = new WebSocket(`ws://${host}/ws/anonymous`)
    const status = await new Promise<number>((resolve) => {
      socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0))
      socket.once('open', () => resolve(101))
    })
    expect(status).toBe(401)
    expect(upstream.seenWith('/ws/anonymous')).toEqual([])
  })

  it('closes the connection of a refused upgrade: a pipelined second request is never proxied', async () => {
    const response = await rawExchange(gate.port, [
      upgradeRequest(host, '/ws/refused-1'),
      `GET /after-refused-1 HTTP/1.1\r\nHost: ${host}\r\nCookie: ${session}\r\n\r\n`,
    ])
    expect(response.status).toBe(401)
    expect(response.text).toMatch(/\r\nconnection: close\r\n/i)
    expect(response.text.match(/HTTP\/1\.1 /g)).toHaveLength(1)
    expect(response.closed).toBe(true)
    expect(upstream.seenWith('refused-1')).toEqual([])
  })

  it('closes the connection of a refused upgrade: a request sent after the answer is never proxied', async () => {
    const response = await rawExchange(
      gate.port,
      [
        upgradeRequest(host, '/ws/refused-2'),
        `GET /after-refused-2 HTTP/1.1\r\nHost: ${host}\r\nCookie: ${session}\r\n\r\n`,
      ],
      { pauseMs: 300 },
    )
    expect(response.status).toBe(401)
    expect(response.closed).toBe(true)
    expect(response.text.match(/HTTP\/1\.1 /g)).toHaveLength(1)
    expect(upstream.seenWith('refused-2')).toEqual([])
  })

  it('never turns an upgrade the upstream refused into a raw tunnel', async () => {
    const response = await rawExchange(
      gate.port,
      [
        upgradeRequest(host, '/ws-refuse/x', `Cookie: ${session}\r\n`),
        `GET /tunnelled HTTP/1.1\r\nHost: ${host}\r\nX-User-Id: forged-admin\r\n\r\n`,
      ],
      { pauseMs: 300, idleMs: 4000, timeoutMs: 8000 },
    )
    // The upstream's refusal is the client's answer, on a connection that then ends: the bytes sent
    // after it are never read, as HTTP or otherwise.
    expect(response.status).toBe(403)
    expect(response.text.match(/HTTP\/1\.1 /g)).toHaveLength(1)
    expect(response.closed).toBe(true)
    expect(upstream.seenWith('/tunnelled')).toEqual([])
    expect(upstream.seenWith('/ws-refuse/x')).toHaveLength(1)
  })

  it('does not read bytes pipelined behind an accepted upgrade as HTTP', async () => {
    const response = await rawExchange(gate.port, [
      upgradeRequest(host, '/ws/pipelined', `Cookie: ${session}\r\n`) +
        `GET /smuggled-after-upgrade HTTP/1.1\r\nHost: ${host}\r\nX-User-Id: forged-admin\r\n\r\n`,
    ])
    expect(response.status).toBe(101)
    expect(upstream.seenWith('smuggled-after-upgrade')).toEqual([])
  })

  it('refuses an upgrade to something other than a websocket (h2c)', async () => {
    const response = await rawExchange(
      gate.port,
      `GET /h2c HTTP/1.1\r\nHost: ${host}\r\nCookie: ${session}\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n`,
    )
    expect(response.status).toBe(400)
    expect(response.closed).toBe(true)
    expect(upstream.seenWith('/h2c')).toEqual([])
  })
})
