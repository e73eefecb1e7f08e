import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startTestGate, type TestGate } from '../support/gate.ts'
import { exactRequest, untilReady } from '../support/nginx.ts'
import { type RecordingUpstream, rawExchange, startRecordingUpstream } from '../support/sidecar.ts'

const redisUrl = inject('redisUrl')

/**
 * THREATS §8 "cache-key collision": a public request is described (and remembered) first, then a
 * request whose Host carries the rest of the first one's target asks about a protected path. Each
 * variant goes through the real sidecar or endpoint; none may reach the app or be allowed.
 */
describe('a Host that carries part of a target never borrows a public description (sidecar)', () => {
  let upstream: RecordingUpstream
  let gate: TestGate
  let host: string

  beforeAll(async () => {
    upstream = await startRecordingUpstream()
    gate = await startTestGate({
      redisUrl,
      env: { FXA_GATE_UPSTREAM: upstream.url, FXA_GATE_PUBLIC_PATHS: '/public/*,/public' },
    })
    host = `127.0.0.1:${gate.port}`
  })
  afterAll(async () => {
    await gate?.close()
    await upstream?.close()
  })

  const reached = (url: string) => upstream.seen.filter((request) => request.url === url)

  async function send(lines: string): Promise<number> {
    return (await rawExchange(gate.port, lines, { untilFirstResponse: true })).status
  }

  it('GET: Host "H/public" + /secret/x after H + /public/secret/x', async () => {
    expect(await send(`GET /public/secret/x HTTP/1.1\r\nHost: ${host}\r\n\r\n`)).toBe(200)
    expect(await send(`GET /secret/x HTTP/1.1\r\nHost: ${host}/public\r\n\r\n`)).toBe(400)
    expect(reached('/secret/x')).toEqual([])
  })

  it('GET: Host "H/public?" + /secret/y after H + /public?/secret/y', async () => {
    expect(await send(`GET /public?/secret/y HTTP/1.1\r\nHost: ${host}\r\n\r\n`)).toBe(200)
    expect(await send(`GET /secret/y HTTP/1.1\r\nHost: ${host}/public?\r\n\r\n`)).toBe(400)
    expect(reached('/secret/y')).toEqual([])
  })

  it('POST with a body: Host "H/public" + /secret/z after H + /public/secret/z', async () => {
    const post = (target: string, hostHeader: string) =>
      `POST ${target} HTTP/1.1\r\nHost: ${hostHeader}\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello`
    expect(await send(post('/public/secret/z', host))).toBe(200)
    expect(await send(post('/secret/z', `${host}/public`))).toBe(400)
    expect(reached('/secret/z')).toEqual([])
  })

  it('websocket upgrade: Host "H/public" + /ws after H + /public/ws', async () => {
    const upgrade = (target: string, hostHeader: string) =>
      `GET ${target} HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'
    expect((await rawExchange(gate.port, upgrade('/public/ws', host))).status).toBe(101)
    expect((await rawExchange(gate.port, upgrade('/ws', `${host}/public`))).status).toBe(400)
    expect(reached('/ws')).toEqual([])
  })
})

describe('a Host that carries part of a target never borrows a public description (forward-auth)', () => {
  let gate: TestGate

  beforeAll(async () => {
    gate = await startTestGate({
      redisUrl,
      env: { FXA_GATE_PUBLIC_PATHS: '/public/*', FXA_GATE_TRUSTED_PROXIES: '127.0.0.1/32' },
    })
    await untilReady(gate.adminUrl)
  })
  afterAll(() => gate?.close())

  it('/auth/envoy: :authority "H/public" + /secret/x after H + /public/secret/x', async () => {
    const check = (path: string, authority: string) =>
      exactRequest(gate.port, `/_gate/auth/envoy${path}`, { host: authority, accept: 'application/json' })
    expect((await check('/public/secret/x', 'app.example.com')).status).toBe(200)
    expect((await check('/secret/x', 'app.example.com/public')).status).toBe(400)
    expect((await check('/secret/x', 'app.example.com/public?')).status).toBe(400)
  })

  it('/auth/traefik: X-Forwarded-Host "H/public" + /secret/x after H + /public/secret/x, from a trusted peer', async () => {
    const check = (uri: string, forwardedHost: string) =>
      exactRequest(
        gate.port,
        '/_gate/auth/traefik',
        {
          'x-forwarded-method': 'GET',
          'x-forwarded-proto': 'https',
          'x-forwarded-host': forwardedHost,
          'x-forwarded-uri': uri,
          accept: 'application/json',
        },
        { localAddress: '127.0.0.1' },
      )
    expect((await check('/public/secret/x', 'app.example.com')).status).toBe(200)
    expect((await check('/secret/x', 'app.example.com/public')).status).toBe(400)
    expect((await check('/public?/secret/y', 'app.example.com')).status).toBe(200)
    expect((await check('/secret/y', 'app.example.com/public?')).status).toBe(400)
  })
})
