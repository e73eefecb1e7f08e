import { createServer, request, type Server } from 'node:http'
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { errorAnswer } from '../../../src/http/error-body.ts'
import { createForwarder, type Forwarder } from '../../../src/proxy/forward/forwarder.ts'
import type { ForwarderOptions } from '../../../src/proxy/forward/types.ts'
import { freePort } from '../../support/ports.ts'
import {
  type RecordingUpstream,
  rawExchange,
  startRecordingUpstream,
  writeGenerated,
} from '../../support/sidecar.ts'

const MiB = 1024 * 1024

interface Front {
  readonly port: number
  readonly events: string[]
  readonly forwarder: Forwarder
  close(): Promise<void>
}

/** A bare node:http server whose every request goes through the engine, as the sidecar will. */
async function startFront(upstream: string, overrides: Partial<ForwarderOptions> = {}): Promise<Front> {
  const events: string[] = []
  const forwarder = createForwarder({
    upstream,
    connections: 8,
    uploadConnections: 8,
    connectTimeoutMs: 1_000,
    headersTimeoutMs: 2_000,
    bodyTimeoutMs: 2_000,
    requestBodyTimeoutMs: 2_000,
    ownCookies: ['__Host-gate', '__Host-gate-login'],
    events: {
      upstreamError: (reason, error) => events.push(`upstream-error:${reason}:${error.code}`),
      abortedResponse: () => events.push('aborted-response'),
      stalledUpload: () => events.push('stalled-upload'),
      websocketOpened: () => events.push('ws-open'),
      websocketClosed: () => events.push('ws-closed'),
    },
    renderError: (error, headers) => errorAnswer(error, headers),
    ...overrides,
  })
  const server: Server = createServer((req, res) => {
    const headers = ['host', 'app.test', 'x-user-id', 'u1']
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!.toLowerCase()
      if (name.startsWith('x-') || name === 'content-length' || name === 'content-type')
        headers.push(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
    }
    forwarder.forward(req, res, { method: req.method!, path: req.url!, headers })
  })
  server.on('upgrade', (req, socket, head) => {
    forwarder.upgrade(req, socket, head, { method: 'GET', path: req.url!, headers: { host: 'app.test' } })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    events,
    forwarder,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await forwarder.close()
    },
  }
}

function get(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; rawHeaders: string[]; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({
      port,
      host: '127.0.0.1',
      path,
      method: options.method ?? 'GET',
      headers: options.headers,
    })
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({ status: res.statusCode!, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

const names = (raw: readonly string[]) => raw.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase())

describe('the forwarding engine', () => {
  let upstream: RecordingUpstream
  let front: Front
  beforeAll(async () => {
    upstream = await startRecordingUpstream()
    front = await startFront(upstream.url)
  })
  afterAll(async () => {
    await front.close()
    await upstream.close()
  })

  it('sends the decided method, raw target and header lines, and relays the answer', async () => {
    const target = '/a%2Fb/./c/..//d?x=%zz&y=1;z'
    const res = await get(front.port, target, { method: 'DELETE', headers: { 'x-dup': 'one' } })
    expect(res.status).toBe(200)
    const seen = JSON.parse(res.body.toString()) as { method: string; url: string; rawHeaders: string[] }
    expect(seen.method).toBe('DELETE')
    expect(seen.url).toBe(target)
    // undici adds its own `connection: keep-alive` line; everything else arrives in order.
    const lines = seen.rawHeaders.filter((_, i, all) => all[i - (i % 2)] !== 'connection')
    expect(lines.slice(0, 4)).toEqual(['host', 'app.test', 'x-user-id', 'u1'])
    expect(seen.rawHeaders).toContain('x-dup')
  })

  it('keeps upstream connections alive across requests', async () => {
    const before = upstream.seen.length
    const connections = new Set<number>()
    for (let i = 0; i < 20; i++) {
      const res = await get(front.port, `/keepalive-${i}`)
      expect(res.status).toBe(200)
      connections.add(res.body.length)
    }
    expect(upstream.seen.length - before).toBe(20)
    // The recording upstream's socket count is not exposed; the pool bound says the same thing.
    const counting = await countingUpstream()
    const local = await startFront(counting.url, { connections: 2 })
    try {
      for (let i = 0; i < 30; i++) expect((await get(local.port, '/x')).status).toBe(200)
      expect(counting.connections()).toBeLessThanOrEqual(2)
    } finally {
      await local.close()
      await counting.close()
    }
  })

  it('strips hop-by-hop answer headers and the ones Connection lists, and keeps the rest', async () => {
    const odd = await headerUpstream([
      'Connection',
      'keep-alive, X-Private-Hop',
      'Keep-Alive',
      'timeout=5',
      'X-Private-Hop',
      'secret',
      'Proxy-Authenticate',
      'Basic',
      'Trailer',
      'X-T',
      'Upgrade',
      'h2c',
      'X-App',
      'kept',
      'X-App',
      'twice',
    ])
    const local = await startFront(odd.url)
    try {
      const res = await get(local.port, '/')
      const seen = names(res.rawHeaders)
      expect(seen).not.toContain('x-private-hop')
      expect(seen).not.toContain('proxy-authenticate')
      expect(seen).not.toContain('trailer')
      expect(seen).not.toContain('upgrade')
      expect(res.rawHeaders.filter((_, i) => res.rawHeaders[i - 1] === 'X-App')).toEqual(['kept', 'twice'])
    } finally {
      await local.close()
      await odd.close()
    }
  })

  it("drops Set-Cookie lines naming fxa-gate's cookies and keeps the application's", async () => {
    const res = await get(
      front.port,
      '/set-cookie?name=__Host-gate&name=app&name=__Host-gate-login&name=other',
    )
    const cookies = res.rawHeaders.filter((_, i) => res.rawHeaders[i - 1]?.toLowerCase() === 'set-cookie')
    expect(cookies).toEqual(['app=planted; Path=/', 'other=planted; Path=/'])
  })

  it('streams a large upload and a large download', async () => {
    const bytes = 24 * MiB
    const answer = await new Promise<string>((resolve, reject) => {
      const req = request({
        port: front.port,
        host: '127.0.0.1',
        path: '/upload',
        method: 'PUT',
        headers: { 'content-length': String(bytes) },
      })
      req.on('response', (res) => {
        let body = ''
        res.on('data', (chunk) => (body += chunk))
        res.on('end', () => resolve(body))
      })
      req.on('error', reject)
      void writeGenerated(req, bytes).then(() => req.end())
    })
    expect(answer).toContain(`"bodyBytes":${bytes}`)
    const down = await get(front.port, `/download?bytes=${bytes}`)
    expect(down.body.length).toBe(bytes)
  })

  it('answers HEAD with the head alone', async () => {
    const res = await get(front.port, '/download?bytes=1000', { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.body.length).toBe(0)
    expect(res.rawHeaders).toContain('1000')
  })

  it('holds the upstream back while the client does not read (no buffering of the body)', async () => {
    const slow = await firehoseUpstream()
    const local = await startFront(slow.url)
    try {
      const socket = await new Promise<Socket>((resolve) => {
        const req = request({ port: local.port, host: '127.0.0.1', path: '/' })
        req.on('response', (res) => {
          res.pause()
          resolve(res.socket)
        })
        req.end()
      })
      await sleep(500)
      // The upstream offers 512 MiB; with backpressure only socket buffers' worth has left it.
      expect(slow.written()).toBeLessThan(32 * MiB)
      socket.destroy()
      await sleep(100)
      expect(slow.aborted()).toBe(true)
    } finally {
      await local.close()
      await slow.close()
    }
  })

  it('answers 502 when the upstream refuses connections', async () => {
    const port = await freePort()
    const local = await startFront(`http://127.0.0.1:${port}`)
    try {
      const res = await get(local.port, '/', { headers: { accept: 'application/json' } })
      expect(res.status).toBe(502)
      expect(JSON.parse(res.body.toString())).toMatchObject({ error: 'UPSTREAM_UNAVAILABLE' })
      expect(local.events).toContain('upstream-error:refused:UPSTREAM_UNAVAILABLE')
    } finally {
      await local.close()
    }
  })

  it('answers 504 when the upstream does not send its head in time', async () => {
    const local = await startFront(upstream.url, { headersTimeoutMs: 200 })
    try {
      const res = await get(local.port, '/slow?ms=1000')
      expect(res.status).toBe(504)
      expect(JSON.parse(res.body.toString())).toMatchObject({ error: 'UPSTREAM_TIMEOUT' })
      expect(local.events).toContain('upstream-error:timeout:UPSTREAM_TIMEOUT')
    } finally {
      await local.close()
    }
  })

  it('cuts the client response when the upstream breaks off its body', async () => {
    const res = await rawExchange(front.port, 'GET /broken HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 3000 })
    expect(res.status).toBe(200)
    expect(res.closed).toBe(true)
    expect(res.text).not.toMatch(/\r\n\r\n[\s\S]{1000}/)
    expect(front.events).toContain('aborted-response')
  })

  describe('stalled uploads', () => {
    let local: Front
    afterEach(() => local.close())

    it('drops a client that stops sending its body, and keeps reads flowing meanwhile', async () => {
      local = await startFront(upstream.url, { requestBodyTimeoutMs: 300, uploadConnections: 1 })
      const stalled = rawExchange(
        local.port,
        'PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nab',
        { timeoutMs: 5000, idleMs: 4000 },
      )
      await sleep(50)
      // The one upload connection is held by the stalled body; a read has its own pool.
      expect((await get(local.port, '/meanwhile')).status).toBe(200)
      const res = await stalled
      expect(res.closed).toBe(true)
      expect(res.status).toBe(0)
      expect(local.events).toContain('stalled-upload')
    })
  })

  describe('websockets', () => {
    it('joins client and upstream: messages both ways, then a close from either side', async () => {
      const opened = front.events.filter((e) => e === 'ws-open').length
      const ws = new WebSocket(`ws://127.0.0.1:${front.port}/ws`)
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
      const echo = (data: string | Buffer) =>
        new Promise<Buffer>((resolve) => {
          ws.once('message', (message: Buffer) => resolve(message))
          ws.send(data)
        })
      expect((await echo('hello')).toString()).toBe('hello')
      const big = Buffer.alloc(3 * MiB, 7)
      expect((await echo(big)).equals(big)).toBe(true)
      const code = await new Promise<number>((resolve) => {
        ws.once('close', resolve)
        ws.close(4001)
      })
      expect(code).toBe(4001)
      await sleep(100)
      expect(front.events.filter((e) => e === 'ws-open').length).toBe(opened + 1)
      expect(front.events.filter((e) => e === 'ws-closed').length).toBe(opened + 1)
      expect(upstream.seenWith('/ws').at(-1)?.rawHeaders).toContain('sec-websocket-key')
    })

    it('relays an upstream that refuses the upgrade, then ends the connection', async () => {
      const res = await rawExchange(
        front.port,
        'GET /ws-refuse HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      )
      expect(res.status).toBe(403)
      expect(res.closed).toBe(true)
    })

    it('answers 502 to an upgrade when the upstream is down', async () => {
      const local = await startFront(`http://127.0.0.1:${await freePort()}`)
      try {
        const res = await rawExchange(
          local.port,
          'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        )
        expect(res.status).toBe(502)
        expect(res.text).toContain('UPSTREAM_UNAVAILABLE')
        expect(res.closed).toBe(true)
      } finally {
        await local.close()
      }
    })

    it('ends the tunnel on both sides when the client socket is destroyed (revocation)', async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${front.port}/ws`)
      await new Promise((resolve) => ws.once('open', resolve))
      const closedBefore = front.events.filter((e) => e === 'ws-closed').length
      ;(ws as unknown as { _socket: Socket })._socket.destroy()
      await sleep(200)
      expect(front.events.filter((e) => e === 'ws-closed').length).toBe(closedBefore + 1)
    })
  })
})

/** An upstream that counts the TCP connections it accepted. */
async function countingUpstream(): Promise<{ url: string; connections(): number; close(): Promise<void> }> {
  let count = 0
  const server = createServer((req, res) => {
    req.resume()
    res.end('ok')
  })
  server.on('connection', () => count++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => count,
    close: () => closeServer(server),
  }
}

/** An upstream answering every request with exactly these raw header lines (written by hand). */
async function headerUpstream(lines: string[]): Promise<{ url: string; close(): Promise<void> }> {
  const server = createNetServer((socket) => {
    socket.once('data', () => {
      let head = 'HTTP/1.1 200 OK\r\n'
      for (let i = 0; i < lines.length; i += 2) head += `${lines[i]}: ${lines[i + 1]}\r\n`
      socket.end(`${head}Content-Length: 2\r\n\r\nok`)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/** An upstream offering 512 MiB as fast as the socket lets it, recording what it managed to write. */
async function firehoseUpstream(): Promise<{
  url: string
  written(): number
  aborted(): boolean
  close(): Promise<void>
}> {
  let written = 0
  let aborted = false
  const chunk = Buffer.alloc(64 * 1024, 1)
  const server = createServer(async (req, res) => {
    req.resume()
    res.writeHead(200, { 'content-length': String(512 * MiB) })
    res.once('close', () => (aborted = !res.writableFinished))
    while (written < 512 * MiB && !res.destroyed) {
      written += chunk.length
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve).once('close', resolve))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    written: () => written,
    aborted: () => aborted,
    close: () => closeServer(server),
  }
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}
