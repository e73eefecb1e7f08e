import { request } from 'node:http'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { type FakeFxa, startFakeFxa } from '../../dev/fake-fxa/index.ts'
import {
  CLIENT_ID,
  CLIENT_SECRET,
  createCookieJar,
  distinctPorts,
  loginThroughGate,
  startTestGate,
  type TestGate,
} from '../support/gate.ts'
import { type RecordingUpstream, type SeenRequest, startRecordingUpstream } from '../support/sidecar.ts'

const FILES_NODE = 'https://f1.files.example.com'
const SERVICES = [
  {
    name: 'files',
    hosts: ['files.example.com'],
    audience: 'files',
    releaseRate: 1,
    nodes: [{ url: FILES_NODE, capacity: 5 }],
  },
  { name: 'chat', hosts: ['chat.example.com', '*.chat.example.com'], audience: 'chat' },
]

function headerValues(seen: SeenRequest, name: string): string[] {
  const values: string[] = []
  for (let i = 0; i < seen.rawHeaders.length; i += 2) {
    if (seen.rawHeaders[i]!.toLowerCase().replace(/[_.]/g, '-') === name) values.push(seen.rawHeaders[i + 1]!)
  }
  return values
}

/** A request to the sidecar with a Host of our choosing (fetch cannot set it). */
function ask(gate: TestGate, host: string, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; seen: SeenRequest }>((resolve, reject) => {
    const outgoing = request(
      { host: '127.0.0.1', port: gate.port, path, headers: { host, ...headers } },
      (response) => {
        let body = ''
        response.on('data', (chunk) => (body += chunk))
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, seen: JSON.parse(body) as SeenRequest }),
        )
      },
    )
    outgoing.on('error', reject)
    outgoing.end()
  })
}

describe('sidecar in front of services (memory stores, one replica)', () => {
  let upstream: RecordingUpstream
  let gate: TestGate
  let cookie: string

  beforeAll(async () => {
    upstream = await startRecordingUpstream()
    gate = await startTestGate({
      env: { FXA_GATE_UPSTREAM: upstream.url, FXA_GATE_SERVICES: JSON.stringify(SERVICES) },
    })
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'side@example.com')
    cookie = jar.cookieHeader(gate.url)
  })
  afterAll(async () => {
    await gate?.close()
    await upstream?.close()
  })

  it("sends the user's node upstream as X-User-Node and in the assertion", async () => {
    const { status, seen } = await ask(gate, 'files.example.com', '/doc', { cookie })
    expect(status).toBe(200)
    expect(headerValues(seen, 'x-user-node')).toEqual([FILES_NODE])
    const claims = decodeJwt(headerValues(seen, 'x-user-assertion')[0]!)
    expect(claims.aud).toBe('files')
    expect(claims['node']).toBe(FILES_NODE)
  })

  it('strips a node a client forged, in every spelling', async () => {
    const forged = {
      cookie,
      'x-user-node': 'https://evil.example.com',
      X_User_Node: 'https://evil.example.com',
      'X.User.Node': 'https://evil.example.com',
    }
    for (const host of ['files.example.com', 'chat.example.com', 'elsewhere.example.com']) {
      const { seen } = await ask(gate, host, '/x', forged)
      const nodes = headerValues(seen, 'x-user-node')
      expect(nodes, host).toEqual(host === 'files.example.com' ? [FILES_NODE] : [])
    }
    const anonymous = await ask(gate, 'files.example.com', '/x', {
      'x-user-node': 'https://evil.example.com',
    })
    expect(anonymous.status).not.toBe(200)
  })

  it('never takes the service from ?service= in a client request', async () => {
    for (const [host, audience] of [
      ['chat.example.com', 'chat'],
      ['a.chat.example.com', 'chat'],
      ['elsewhere.example.com', gate.config.publicUrl],
      ['files.example.com', 'files'],
    ] as const) {
      const { status, seen } = await ask(gate, host, '/page?service=files&service=chat', { cookie })
      expect(status, host).toBe(200)
      expect(decodeJwt(headerValues(seen, 'x-user-assertion')[0]!).aud, host).toBe(audience)
      expect(headerValues(seen, 'x-user-node'), host).toEqual(
        host === 'files.example.com' ? [FILES_NODE] : [],
      )
      expect(seen.url).toBe('/page?service=files&service=chat')
    }
  })

  it('serves service tokens on its own prefix, with the same node', async () => {
    const answer = await fetch(`${gate.url}/_gate/token/files`, { headers: { cookie } })
    expect(answer.status).toBe(200)
    const body = (await answer.json()) as { node: string; expiresIn: number }
    expect(body.node).toBe(FILES_NODE)
    expect(body.expiresIn).toBe(300)
  })
})

describe("sidecar: a service's own allowed clients", () => {
  let fxa: FakeFxa
  let upstream: RecordingUpstream
  let gate: TestGate
  let authorization: string

  beforeAll(async () => {
    const [port, fxaPort] = await distinctPorts(2)
    fxa = await startFakeFxa({
      port: fxaPort,
      clients: [
        {
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          redirectUris: [`http://127.0.0.1:${port}/_gate/callback`],
        },
        { clientId: 'native-app', redirectUris: ['http://127.0.0.1/native'] },
      ],
      logError: () => {},
    })
    upstream = await startRecordingUpstream()
    const services = [
      { name: 'chat', hosts: ['chat.example.com'], audience: 'chat', allowedClients: ['native-app'] },
    ]
    gate = await startTestGate({
      fxa,
      port,
      env: {
        FXA_GATE_UPSTREAM: upstream.url,
        FXA_GATE_SERVICES: JSON.stringify(services),
        FXA_GATE_BEARER_ALLOWED_CLIENTS: CLIENT_ID,
      },
    })
    const uid = 'c'.repeat(32)
    fxa.users.set(uid, { uid, email: 'native@example.com' })
    authorization = `Bearer ${await fxa.issueAccessToken({ uid, clientId: 'native-app', scope: 'profile' })}`
  })
  afterAll(async () => {
    await gate?.close()
    await upstream?.close()
    await fxa?.close()
  })

  it("hold an open websocket to the service's list, not the global one", async () => {
    expect((await ask(gate, 'chat.example.com', '/x', { authorization })).status).toBe(200)
    expect((await ask(gate, 'other.example.com', '/x', { authorization })).status).toBe(401)
    const socket = new WebSocket(`ws://127.0.0.1:${gate.port}/ws/native`, {
      headers: { host: 'chat.example.com', authorization },
    })
    await new Promise((resolve, reject) => {
      socket.once('open', resolve)
      socket.once('error', reject)
    })
    const closed = new Promise<string>((resolve) => socket.once('close', () => resolve('closed')))
    // The watch checks open websockets every second.
    await new Promise((resolve) => setTimeout(resolve, 2200))
    const echoed = new Promise<string>((resolve) => socket.once('message', (data) => resolve(String(data))))
    if (socket.readyState === WebSocket.OPEN) socket.send('still here')
    expect(await Promise.race([echoed, closed])).toBe('still here')
    socket.close()
  })
})
