import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import type { Forwarder } from '../../../src/proxy/forward/forwarder.ts'
import { IGNORED_EVENTS, testForwarder } from '../../support/forwarder.ts'
import { type RecordingUpstream, startRecordingUpstream } from '../../support/sidecar.ts'

describe('websockets when the proxy shuts down', () => {
  let upstream: RecordingUpstream
  let forwarder: Forwarder
  let server: Server
  let port: number
  const closed: string[] = []

  beforeAll(async () => {
    upstream = await startRecordingUpstream()
    forwarder = testForwarder(upstream.url, {
      requestBodyTimeoutMs: 0,
      events: { ...IGNORED_EVENTS, websocketClosed: () => closed.push('closed') },
    })
    server = createServer()
    server.on('upgrade', (req, socket, head) =>
      forwarder.upgrade(req, socket, head, { method: 'GET', path: req.url!, headers: { host: 'app.test' } }),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await forwarder.close()
    await upstream.close()
  })

  async function open(): Promise<WebSocket> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`)
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
    return socket
  }

  it('sends every open websocket a close frame (1001, going away), and the tunnel ends', async () => {
    const sockets = [await open(), await open()]
    const codes = sockets.map(
      (socket) => new Promise<number>((resolve) => socket.once('close', (code) => resolve(code))),
    )
    const before = closed.length
    forwarder.closeTunnels(2000)
    expect(await Promise.all(codes)).toEqual([1001, 1001])
    for (let i = 0; i < 40 && closed.length < before + 2; i++) await new Promise((r) => setTimeout(r, 50))
    expect(closed.length).toBe(before + 2)
  })

  it('puts the close frame after a frame under way, never inside it', async () => {
    // An upstream that is half-way through a 100 KB frame when the proxy starts going away.
    const sockets = new Set<import('node:stream').Duplex>()
    const slow = createServer()
    slow.on('upgrade', (req, socket) => {
      sockets.add(socket)
      const accept = createHash('sha1')
        .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest('base64')
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      )
      const length = 100_000
      socket.write(Buffer.from([0x82, 127, 0, 0, 0, 0, 0, length >> 16, (length >> 8) & 0xff, length & 0xff]))
      socket.write(Buffer.alloc(length / 2, 0x61))
      setTimeout(() => socket.write(Buffer.alloc(length / 2, 0x62)), 400)
      socket.on('error', () => {})
    })
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve))
    const slowForwarder = testForwarder(`http://127.0.0.1:${(slow.address() as AddressInfo).port}`, {
      connections: 1,
      uploadConnections: 1,
      requestBodyTimeoutMs: 0,
    })
    const front = createServer()
    front.on('upgrade', (req, socket, head) => {
      sockets.add(socket)
      slowForwarder.upgrade(req, socket, head, { method: 'GET', path: '/ws', headers: { host: 'app.test' } })
    })
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve))
    try {
      const socket = new WebSocket(`ws://127.0.0.1:${(front.address() as AddressInfo).port}/ws`)
      const errors: Error[] = []
      const received: number[] = []
      socket.on('error', (error) => errors.push(error))
      socket.on('message', (data: Buffer) => received.push(data.length))
      const code = new Promise<number>((resolve) => socket.once('close', (c) => resolve(c)))
      await new Promise((resolve) => socket.once('open', resolve))
      await new Promise((resolve) => setTimeout(resolve, 100))
      slowForwarder.closeTunnels(1000)
      expect(await code).toBe(1001)
      expect(errors).toEqual([])
      expect(received).toEqual([100_000])
    } finally {
      for (const socket of sockets) socket.destroy()
      front.closeAllConnections()
      await new Promise((resolve) => front.close(resolve))
      await slowForwarder.close()
      slow.closeAllConnections()
      await new Promise((resolve) => slow.close(resolve))
    }
  })
})
