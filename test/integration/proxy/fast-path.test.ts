import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import {
  createFastPath,
  createUpgradeFastPath,
  type QuickDecision,
} from '../../../src/proxy/forward/fast-path.ts'
import type { Forwarder } from '../../../src/proxy/forward/forwarder.ts'
import { testForwarder } from '../../support/forwarder.ts'
import { type RecordingUpstream, startRecordingUpstream } from '../../support/sidecar.ts'

describe('the fast path in front of the fallback handler', () => {
  let upstream: RecordingUpstream
  let forwarder: Forwarder
  let port: number
  const fellBack: string[] = []
  const server = createServer()
  // Stands in for the decision step: the test decides by path what a synchronous check would say.
  const decide = (req: IncomingMessage): QuickDecision => {
    if (req.url?.startsWith('/cached'))
      return {
        kind: 'forward',
        target: { method: req.method!, path: req.url, headers: { host: 'app.test' } },
      }
    if (req.url?.startsWith('/ws'))
      return { kind: 'forward', target: { method: 'GET', path: req.url, headers: { host: 'app.test' } } }
    if (req.url === '/refused')
      return {
        kind: 'answer',
        status: 401,
        headers: ['content-type', 'application/json'],
        body: '{"error":"UNAUTHENTICATED"}',
      }
    return { kind: 'defer' }
  }

  beforeAll(async () => {
    upstream = await startRecordingUpstream()
    forwarder = testForwarder(upstream.url, { connections: 4, uploadConnections: 4 })
    server.on(
      'request',
      createFastPath({
        decide,
        forwarder,
        fallback: (req, res) => {
          fellBack.push(req.url!)
          res.end('fallback')
        },
      }),
    )
    server.on(
      'upgrade',
      createUpgradeFastPath({
        decide,
        forwarder,
        fallback: (req, socket) => {
          fellBack.push(req.url!)
          socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n')
        },
      }),
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

  it('forwards what the synchronous decision allows, without the fallback', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/cached/page?x=1`)
    expect(res.status).toBe(200)
    expect(((await res.json()) as { url: string }).url).toBe('/cached/page?x=1')
    expect(fellBack).not.toContain('/cached/page?x=1')
  })

  it('writes a ready answer as it is', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/refused`)
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ error: 'UNAUTHENTICATED' })
    expect(upstream.seenWith('/refused')).toHaveLength(0)
  })

  it('hands everything else to the fallback untouched', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/_gate/start`)
    expect(await res.text()).toBe('fallback')
    expect(fellBack).toContain('/_gate/start')
    expect(upstream.seenWith('/_gate/start')).toHaveLength(0)
  })

  it('tunnels allowed upgrades and hands the others to the fallback', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`)
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    const echoed = new Promise<string>((resolve) =>
      ws.once('message', (data: Buffer) => resolve(data.toString())),
    )
    ws.send('through')
    expect(await echoed).toBe('through')
    ws.close()
    const refused = new WebSocket(`ws://127.0.0.1:${port}/other`)
    const status = await new Promise<number>((resolve) =>
      refused
        .once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
        .once('error', () => resolve(-1)),
    )
    expect(status).toBe(403)
    expect(fellBack).toContain('/other')
  })
})

describe('wired into fastify through serverFactory', () => {
  it('serves fastify routes for deferred requests and forwards the rest before fastify sees them', async () => {
    const upstream = await startRecordingUpstream()
    const forwarder = testForwarder(upstream.url)
    const seenByFastify: string[] = []
    const app = Fastify({
      serverFactory: (handler) =>
        createServer(
          createFastPath({
            decide: (req) =>
              req.url === '/app'
                ? { kind: 'forward', target: { method: 'GET', path: '/app', headers: { host: 'app.test' } } }
                : { kind: 'defer' },
            forwarder,
            fallback: handler,
          }),
        ),
    })
    app.addHook('onRequest', async (request) => void seenByFastify.push(request.url))
    app.get('/_gate/userinfo', async () => ({ from: 'fastify' }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
      expect(await (await fetch(`${base}/_gate/userinfo`)).json()).toEqual({ from: 'fastify' })
      expect(((await (await fetch(`${base}/app`)).json()) as { url: string }).url).toBe('/app')
      expect(seenByFastify).toEqual(['/_gate/userinfo'])
    } finally {
      await app.close()
      await forwarder.close()
      await upstream.close()
    }
  })
})
