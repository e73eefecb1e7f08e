import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { request } from 'node:http'
import { createLocalJWKSet, decodeJwt, type JSONWebKeySet, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type FakeFxa, startFakeFxa } from '../../dev/fake-fxa/index.ts'
import { runFxaGate } from '../support/cli-process.ts'
import {
  CLIENT_ID,
  CLIENT_SECRET,
  createCookieJar,
  distinctPorts,
  gateEnv,
  loginThroughGate,
  startTestGate,
  type TestGate,
} from '../support/gate.ts'

const NATIVE_CLIENT = 'native-app'
const SEND_SCOPE = 'https://identity.mozilla.com/apps/send'
const node = (name: string) => `https://${name}.nodes.example.com`
const SERVICES = [
  {
    name: 'send',
    hosts: ['send.example.com'],
    audience: 'https://send.example.com',
    assertionTtl: '30s',
    tokenTtl: '600s',
    requiredScopes: [SEND_SCOPE],
  },
  {
    name: 'appt',
    hosts: ['*.appt.example.com'],
    audience: 'appointment',
    assertionTtl: '2m',
    tokenTtl: '60s',
    allowedClients: [NATIVE_CLIENT],
    nodes: [{ url: node('a1'), capacity: 1 }],
  },
  {
    name: 'solo',
    hosts: ['solo.example.com'],
    audience: 'solo',
    nodes: [{ url: node('s1'), capacity: 1 }],
  },
  {
    name: 'sync',
    hosts: ['sync.example.com'],
    audience: 'sync',
    releaseRate: 1,
    nodes: [
      { url: node('y1'), capacity: 10 },
      { url: node('y2'), capacity: 30 },
    ],
  },
]

/** What the token endpoint (and an error) answers, as the tests read it. */
interface Answer {
  token: string
  expiresIn: number
  uid: string
  node?: string
  error?: string
}

const read = async (answer: Response): Promise<Answer> => (await answer.json()) as Answer

interface Jwks {
  keys: JSONWebKeySet['keys']
}

describe('many services behind one gate, two replicas on one Redis', () => {
  let fxa: FakeFxa
  let one: TestGate
  let two: TestGate
  let jwks: ReturnType<typeof createLocalJWKSet>
  let env: Record<string, string>
  const jar = createCookieJar()

  /** A user of the fake FxA and a bearer token of theirs. */
  async function user(name: string, scope = 'profile', clientId = CLIENT_ID) {
    const uid = randomBytes(16).toString('hex')
    fxa.users.set(uid, { uid, email: `${name}@example.com`, displayName: name })
    return { uid, authorization: `Bearer ${await fxa.issueAccessToken({ uid, clientId, scope })}` }
  }

  function nginx(gate: TestGate, url: string, headers: Record<string, string>, query = '') {
    return fetch(`${gate.url}/_gate/auth/nginx${query}`, { headers: { 'x-original-url': url, ...headers } })
  }

  function token(gate: TestGate, service: string, headers: Record<string, string>) {
    return fetch(`${gate.url}/_gate/token/${service}`, { headers })
  }

  function introspect(gate: TestGate, service: string, value: string): Promise<Record<string, unknown>> {
    return fetch(`${gate.url}/_gate/token/${service}/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: value }),
    }).then((answer) => answer.json() as Promise<Record<string, unknown>>)
  }

  async function nodeOf(gate: TestGate, authorization: string): Promise<string | null> {
    const answer = await nginx(
      gate,
      'https://sync.example.com/data',
      { authorization },
      '?host=sync.example.com',
    )
    expect(answer.status).toBe(200)
    return answer.headers.get('x-user-node')
  }

  beforeAll(async () => {
    const ports = await distinctPorts(2)
    fxa = await startFakeFxa({
      port: (await distinctPorts(1, ports))[0],
      clients: [
        {
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          redirectUris: ports.map((port) => `http://127.0.0.1:${port}/_gate/callback`),
        },
        { clientId: NATIVE_CLIENT, redirectUris: ['http://127.0.0.1/native'] },
      ],
      scopes: [SEND_SCOPE],
      logError: () => {},
    })
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    env = {
      FXA_GATE_REDIS_KEY_PREFIX: `services${randomBytes(4).toString('hex')}:`,
      FXA_GATE_ASSERTION_KEY: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      FXA_GATE_SERVICES: JSON.stringify(SERVICES),
      FXA_GATE_TRUSTED_PROXIES: '127.0.0.1',
      // Replicas behind one name: one issuer.
      FXA_GATE_PUBLIC_URL: `http://127.0.0.1:${ports[0]}`,
      // Bearer tokens are credentials only where something names who may use them (#12): services
      // without scopes or a client list of their own (sync) take the global list.
      FXA_GATE_BEARER_ALLOWED_CLIENTS: `${CLIENT_ID},${NATIVE_CLIENT}`,
    }
    const cookieSecrets = randomBytes(32).toString('hex')
    const redisUrl = inject('redisUrl')
    one = await startTestGate({ fxa, port: ports[0], redisUrl, env, cookieSecrets })
    two = await startTestGate({ fxa, port: ports[1], redisUrl, env, cookieSecrets })
    jwks = createLocalJWKSet((await (await fetch(`${one.url}/_gate/jwks.json`)).json()) as Jwks)
    await loginThroughGate(jar, one.url, 'browser@example.com')
  })
  afterAll(async () => {
    await one?.close()
    await two?.close()
    await fxa?.close()
  })

  describe('per-service assertions', () => {
    it('carry the audience and lifetime of the service the host belongs to, and verify for no other', async () => {
      const cases = [
        {
          url: 'https://send.example.com/file',
          host: 'send.example.com',
          audience: 'https://send.example.com',
          ttl: 30,
        },
        { url: 'https://x.appt.example.com/', host: 'x.appt.example.com', audience: 'appointment', ttl: 120 },
      ]
      for (const [index, { url, host, audience, ttl }] of cases.entries()) {
        const gate = index === 0 ? one : two
        const answer = await jar.fetch(`${gate.url}/_gate/auth/nginx?host=${host}`, {
          headers: { 'x-original-url': url },
        })
        expect(answer.status).toBe(200)
        const assertion = answer.headers.get('x-user-assertion')!
        const { payload } = await jwtVerify(assertion, jwks, { audience, issuer: one.config.publicUrl })
        expect(payload.exp! - payload.iat!).toBe(ttl)
        const others = [...cases.map((entry) => entry.audience), 'sync', one.config.publicUrl].filter(
          (a) => a !== audience,
        )
        for (const other of others)
          await expect(jwtVerify(assertion, jwks, { audience: other })).rejects.toThrow()
        // An assertion is no service token.
        await expect(jwtVerify(assertion, jwks, { audience, typ: 'at+jwt' })).rejects.toThrow()
      }
    })

    // The forward-auth allow is pre-serialised and kept per identity: one session asking for several
    // services in turn must never be handed the answer (audience, node) kept for another.
    it('keeps each service its own answer when one session alternates between them', async () => {
      const hosts = [
        { host: 'send.example.com', audience: 'https://send.example.com', node: false },
        { host: 'x.appt.example.com', audience: 'appointment', node: true },
        { host: 'unknown.example.com', audience: one.config.publicUrl, node: false },
      ]
      const nodes = new Map<string, string | null>()
      for (let round = 0; round < 4; round++) {
        for (const { host, audience, node: hasNode } of round % 2 === 0 ? hosts : [...hosts].reverse()) {
          const answer = await jar.fetch(`${one.url}/_gate/auth/nginx?host=${host}`, {
            headers: { 'x-original-url': `https://${host}/page` },
          })
          expect(answer.status, host).toBe(200)
          const { payload } = await jwtVerify(answer.headers.get('x-user-assertion')!, jwks, { audience })
          const header = answer.headers.get('x-user-node')
          expect(header !== null, host).toBe(hasNode)
          expect(payload['node'] ?? null, host).toBe(header)
          // Sticky: the same node every round.
          if (!nodes.has(host)) nodes.set(host, header)
          expect(header, host).toBe(nodes.get(host))
        }
      }
    })

    it('falls back to the global audience for a host no service claims, without a node', async () => {
      for (const url of [
        'https://unknown.example.com/',
        'https://appt.example.com/',
        'https://example.com/',
      ]) {
        const host = new URL(url).hostname
        const answer = await jar.fetch(`${one.url}/_gate/auth/nginx?host=${host}`, {
          headers: { 'x-original-url': url },
        })
        expect(answer.status).toBe(200)
        const { payload } = await jwtVerify(answer.headers.get('x-user-assertion')!, jwks, {
          audience: one.config.publicUrl,
        })
        expect(payload.exp! - payload.iat!).toBe(60)
        expect(payload['node']).toBeUndefined()
        expect(answer.headers.get('x-user-node')).toBeNull()
      }
    })

    it('reads the host in its canonical form: case, trailing dot and default port do not matter', async () => {
      for (const url of [
        'https://SEND.Example.COM./a',
        'https://send.example.com:443/a',
        'https://Send.example.com/',
      ]) {
        const answer = await jar.fetch(`${one.url}/_gate/auth/nginx?host=send.example.com`, {
          headers: { 'x-original-url': url },
        })
        expect(answer.status, url).toBe(200)
        const claims = decodeJwt(answer.headers.get('x-user-assertion')!)
        expect(claims.aud, url).toBe('https://send.example.com')
      }
    })

    it("chooses no service by a host ingress-nginx did not pin (the host is the client's word there)", async () => {
      const answer = await jar.fetch(`${one.url}/_gate/auth/nginx`, {
        headers: { 'x-original-url': 'https://send.example.com/' },
      })
      expect(answer.status).toBe(200)
      expect(decodeJwt(answer.headers.get('x-user-assertion')!).aud).toBe(one.config.publicUrl)
    })

    it('takes the service from ?service= on the auth URL, and refuses one the host contradicts', async () => {
      const named = await jar.fetch(`${one.url}/_gate/auth/nginx?service=sync`, {
        headers: { 'x-original-url': 'https://anything.internal/' },
      })
      expect(named.status).toBe(200)
      expect(decodeJwt(named.headers.get('x-user-assertion')!).aud).toBe('sync')
      expect(named.headers.get('x-user-node')).toMatch(/^https:\/\/y[12]\.nodes\.example\.com$/)
      const contradicted = await jar.fetch(`${one.url}/_gate/auth/nginx?host=send.example.com&service=sync`, {
        headers: { 'x-original-url': 'https://send.example.com/' },
      })
      expect(contradicted.status).toBe(400)
      expect((await read(contradicted)).error).toBe('HOST_MISMATCH')
      for (const query of [
        '?service=nope',
        '?service=sync&service=send',
        '?service=SYNC',
        '?service=a%2Fb',
      ]) {
        const refused = await jar.fetch(`${one.url}/_gate/auth/nginx${query}`, {
          headers: { 'x-original-url': 'https://anything.internal/' },
        })
        expect(refused.status, query).toBe(400)
      }
    })

    it('chooses by X-Forwarded-Host behind Traefik and Caddy, or by their auth URL ?service=', async () => {
      const traefik = (query: string, host: string) =>
        jar.fetch(`${two.url}/_gate/auth/traefik${query}`, {
          headers: { 'x-forwarded-host': host, 'x-forwarded-uri': '/x', 'x-forwarded-proto': 'https' },
        })
      const byHost = await traefik('', 'Q.Appt.Example.com')
      expect(byHost.status).toBe(200)
      expect(decodeJwt(byHost.headers.get('x-user-assertion')!).aud).toBe('appointment')
      const named = await traefik('?service=sync', 'internal.svc')
      expect(decodeJwt(named.headers.get('x-user-assertion')!).aud).toBe('sync')
      expect((await traefik('?service=sync', 'send.example.com')).status).toBe(400)
    })

    it('ignores ?service= in the client request Envoy passes on', async () => {
      const answer = await jar.fetch(`${one.url}/_gate/auth/envoy/page?service=sync`)
      expect(answer.status).toBe(200)
      expect(decodeJwt(answer.headers.get('x-user-assertion')!).aud).toBe(one.config.publicUrl)
      expect(answer.headers.get('x-user-node')).toBeNull()
      // The answer has no node, so Envoy is told to drop a client's X-User-Node.
      expect(answer.headers.get('x-envoy-auth-headers-to-remove')).toContain('x-user-node')
    })
  })

  it('tells Envoy the node, and to drop no node it sets', async () => {
    const placed = await user('envoy')
    const answer = await new Promise<{
      headers: Record<string, string | string[] | undefined>
      status: number
    }>((resolve, reject) => {
      const outgoing = request(
        {
          host: '127.0.0.1',
          port: one.port,
          path: '/_gate/auth/envoy/files',
          headers: { host: 'sync.example.com', authorization: placed.authorization },
        },
        (response) => {
          response.resume()
          resolve({ headers: response.headers, status: response.statusCode ?? 0 })
        },
      )
      outgoing.on('error', reject)
      outgoing.end()
    })
    expect(answer.status).toBe(200)
    expect(answer.headers['x-user-node']).toMatch(/^https:\/\/y[12]\.nodes\.example\.com$/)
    expect(String(answer.headers['x-envoy-auth-headers-to-remove'] ?? '')).not.toContain('x-user-node')
    expect(decodeJwt(String(answer.headers['x-user-assertion'])).aud).toBe('sync')
  })

  describe('service tokens', () => {
    it('are issued for a session: 600 s for send (no nodes), 60 s for appt (with its node)', async () => {
      const send = await jar.fetch(`${two.url}/_gate/token/send`)
      expect(send.status).toBe(200)
      expect(send.headers.get('cache-control')).toBe('no-store')
      const body = (await send.json()) as { token: string; expiresIn: number; uid: string }
      expect(Object.keys(body).sort()).toEqual(['expiresIn', 'token', 'uid'])
      expect(body.expiresIn).toBe(600)
      const { payload, protectedHeader } = await jwtVerify(body.token, jwks, {
        audience: 'https://send.example.com',
        issuer: one.config.publicUrl,
        typ: 'at+jwt',
      })
      expect(payload.sub).toBe(body.uid)
      expect(payload.exp! - payload.iat!).toBe(600)
      expect(payload.client_id).toBe(CLIENT_ID)
      expect(protectedHeader.kid).toBeDefined()

      const appt = (await read(await jar.fetch(`${one.url}/_gate/token/appt`))) as {
        token: string
        expiresIn: number
        node: string
      }
      expect(appt.expiresIn).toBe(60)
      expect(appt.node).toBe(node('a1'))
      const claims = (await jwtVerify(appt.token, jwks, { audience: 'appointment', typ: 'at+jwt' })).payload
      expect(claims.exp! - claims.iat!).toBe(60)
      expect(claims['node']).toBe(node('a1'))
      await expect(jwtVerify(appt.token, jwks, { audience: 'https://send.example.com' })).rejects.toThrow()
    })

    it('are issued for an FxA bearer token holding the service scope, refused without it', async () => {
      const scoped = await user('scoped', `profile ${SEND_SCOPE}`)
      const answer = await token(one, 'send', { authorization: scoped.authorization })
      expect(answer.status).toBe(200)
      const body = await read(answer)
      expect(body.uid).toBe(scoped.uid)
      expect(decodeJwt(body.token).scope).toBe(`profile ${SEND_SCOPE}`)

      const unscoped = await user('unscoped')
      const refused = await token(one, 'send', { authorization: unscoped.authorization })
      expect(refused.status).toBe(403)
      expect(refused.headers.get('www-authenticate')).toContain('insufficient_scope')
      // The same scope rule holds for the service's hosts behind forward-auth.
      const forwarded = await nginx(
        two,
        'https://send.example.com/',
        { authorization: unscoped.authorization },
        '?host=send.example.com',
      )
      expect(forwarded.status).toBe(403)
    })

    it("hold bearer tokens to the service's allowed clients", async () => {
      const native = await user('native', 'profile', NATIVE_CLIENT)
      const body = await read(await token(one, 'sync', { authorization: native.authorization }))
      expect(body.uid).toBe(native.uid)
      const forSync = await nginx(
        one,
        'https://sync.example.com/',
        { authorization: native.authorization },
        '?host=sync.example.com',
      )
      expect(forSync.status).toBe(200)
      // appt lists only NATIVE_CLIENT: the gate's own client's tokens are refused there like invalid
      // ones (sessions are the gate's own and are not held to the list).
      const web = await user('web')
      const refused = await token(one, 'appt', { authorization: web.authorization })
      expect(refused.status).toBe(401)
      expect(refused.headers.get('www-authenticate')).toContain('invalid_token')
      const forwarded = await nginx(
        two,
        'https://x.appt.example.com/',
        { authorization: web.authorization },
        '?host=x.appt.example.com',
      )
      expect(forwarded.status).toBe(401)
      // The same token is good where no list applies.
      expect((await token(two, 'sync', { authorization: web.authorization })).status).toBe(200)
    })

    it('answer 404 for an unknown service and 401 without credentials', async () => {
      for (const name of ['nope', 'SEND', 'send%2F..', '..', '__proto__', 'constructor']) {
        expect((await jar.fetch(`${one.url}/_gate/token/${name}`)).status, name).toBe(404)
      }
      const anonymous = await token(one, 'send', {})
      expect(anonymous.status).toBe(401)
      expect(anonymous.headers.get('www-authenticate')).toContain('Bearer')
      expect((await token(one, 'send', { authorization: 'Bearer not-a-real-token' })).status).toBe(401)
      expect((await jar.fetch(`${one.url}/_gate/token/send?access_token=x`)).status).toBe(401)
    })

    it('are active at introspection for their own service only, and only as signed', async () => {
      const issued = await read(await jar.fetch(`${one.url}/_gate/token/send`))
      const active = await introspect(two, 'send', issued.token)
      expect(active).toMatchObject({ active: true, sub: issued.uid, aud: 'https://send.example.com' })
      expect(await introspect(two, 'sync', issued.token)).toEqual({ active: false })
      // An assertion of the same audience is not a token.
      const forward = await jar.fetch(`${one.url}/_gate/auth/nginx?host=send.example.com`, {
        headers: { 'x-original-url': 'https://send.example.com/' },
      })
      expect(await introspect(one, 'send', forward.headers.get('x-user-assertion')!)).toEqual({
        active: false,
      })
      const tampered = `${issued.token.slice(0, -4)}AAAA`
      expect(await introspect(one, 'send', tampered)).toEqual({ active: false })
    })

    it("are inactive in every replica once a password-change event raises the user's credential mark (#12)", async () => {
      const email = 'password-service@example.com'
      const own = createCookieJar()
      await loginThroughGate(own, one.url, email)
      const issued = await read(await own.fetch(`${one.url}/_gate/token/send`))
      expect(await introspect(two, 'send', issued.token)).toMatchObject({ active: true })
      await new Promise((resolve) => setTimeout(resolve, 1100)) // a later second than the token's iat
      const { set } = await fxa.account.changePassword(issued.uid)
      const delivered = await fetch(`${two.url}/_gate/events/fxa`, {
        method: 'POST',
        headers: { authorization: `Bearer ${set}` },
      })
      expect(delivered.status).toBe(200)
      const deadline = Date.now() + 1500
      let answers: Record<string, unknown>[] = []
      do {
        answers = await Promise.all([
          introspect(one, 'send', issued.token),
          introspect(two, 'send', issued.token),
        ])
        if (answers.every((answer) => answer['active'] === false)) break
        await new Promise((resolve) => setTimeout(resolve, 50))
      } while (Date.now() < deadline)
      expect(answers).toEqual([{ active: false }, { active: false }])
    })
  })

  describe('node assignment', () => {
    it('places new users on the least-loaded node, stickily across replicas', async () => {
      const users = await Promise.all(Array.from({ length: 8 }, (_, i) => user(`placed${i}`)))
      const nodes: string[] = []
      for (const [i, entry] of users.entries())
        nodes.push((await nodeOf(i % 2 ? one : two, entry.authorization))!)
      // Capacities 10 and 30: y2 takes three new users for each of y1's.
      expect(nodes.filter((url) => url === node('y1'))).toHaveLength(2)
      expect(nodes.filter((url) => url === node('y2'))).toHaveLength(6)
      for (const [i, entry] of users.entries()) {
        expect(await nodeOf(i % 2 ? two : one, entry.authorization)).toBe(nodes[i])
        const body = await read(
          await token(i % 2 ? one : two, 'sync', { authorization: entry.authorization }),
        )
        expect(body.node).toBe(nodes[i])
        expect(decodeJwt(body.token).node).toBe(nodes[i])
      }
      const answer = await nginx(
        one,
        'https://sync.example.com/',
        { authorization: users[0]!.authorization },
        '?host=sync.example.com',
      )
      expect(decodeJwt(answer.headers.get('x-user-assertion')!).node).toBe(nodes[0])
    })

    it('answers 503 with Retry-After to the second user of a one-user node, in every replica', async () => {
      const first = await user('first')
      const second = await user('second')
      const solo = (gate: TestGate, authorization: string) =>
        nginx(gate, 'https://solo.example.com/', { authorization }, '?host=solo.example.com')
      const placed = await solo(one, first.authorization)
      expect(placed.status).toBe(200)
      expect(placed.headers.get('x-user-node')).toBe(node('s1'))
      for (const gate of [one, two]) {
        const refused = await solo(gate, second.authorization)
        expect(refused.status).toBe(503)
        // Nothing frees by itself: the wait is one release interval.
        expect(refused.headers.get('retry-after')).toBe('60')
        expect((await read(refused)).error).toBe('NODES_FULL')
        const noToken = await token(gate, 'solo', { authorization: second.authorization })
        expect(noToken.status).toBe(503)
        expect(noToken.headers.get('retry-after')).toBe('60')
      }
      // The first user keeps their place, in both replicas.
      for (const gate of [two, one])
        expect((await solo(gate, first.authorization)).headers.get('x-user-node')).toBe(node('s1'))
      const metrics = await (await fetch(`${two.adminUrl}/metrics`)).text()
      expect(metrics).toMatch(/fxa_gate_service_node_refusals_total\{service="solo"\} 2/)
    })

    it("gives appt's one place to the browser that took it first", async () => {
      const late = await user('late', 'profile', NATIVE_CLIENT)
      const refused = await token(two, 'appt', { authorization: late.authorization })
      expect(refused.status).toBe(503)
      expect((await read(await jar.fetch(`${two.url}/_gate/token/appt`))).node).toBe(node('a1'))
    })

    it('moves the users of a downed node on their next request, for good, and the nodes command says so', async () => {
      const users = await Promise.all(Array.from({ length: 6 }, (_, i) => user(`mover${i}`)))
      const before: string[] = []
      for (const entry of users) before.push((await nodeOf(one, entry.authorization))!)
      const onY1 = users.filter((_, i) => before[i] === node('y1'))
      expect(onY1.length).toBeGreaterThan(0)
      const stale = await read(await token(one, 'sync', { authorization: onY1[0]!.authorization }))
      expect(stale.node).toBe(node('y1'))
      const cli = { ...gateEnv(fxa, one.port, 1, { redisUrl: inject('redisUrl') }), ...env }
      const down = await runFxaGate(['nodes', 'down', '--service', 'sync', '--node', node('y1')], cli)
      expect(down.stderr).toBe('')
      expect(down.code).toBe(0)
      expect(down.stdout).toContain('downed')
      for (const entry of onY1) {
        expect(await nodeOf(two, entry.authorization)).toBe(node('y2'))
        expect(await nodeOf(one, entry.authorization)).toBe(node('y2'))
      }
      // A token naming the node the user left is no longer active; a fresh one names the new node.
      expect(await introspect(two, 'sync', stale.token)).toEqual({ active: false })
      const fresh = await read(await token(two, 'sync', { authorization: onY1[0]!.authorization }))
      expect(await introspect(one, 'sync', fresh.token)).toMatchObject({ active: true, node: node('y2') })
      const up = await runFxaGate(['nodes', 'up', '--service', 'sync', '--node', node('y1')], cli)
      expect(up.code).toBe(0)
      for (const entry of onY1) expect(await nodeOf(one, entry.authorization)).toBe(node('y2'))
      const list = await runFxaGate(['nodes', 'list', '--service', 'sync', '--json'], cli)
      expect(list.code).toBe(0)
      const nodes = JSON.parse(list.stdout) as { url: string; down: boolean; users: number }[]
      expect(nodes.map((entry) => entry.url)).toEqual([node('y1'), node('y2')])
      expect(nodes.every((entry) => !entry.down)).toBe(true)
      // The replica that saw each mover first counted the move.
      const moved =
        /fxa_gate_service_node_assignments_total\{service="sync",node="https:\/\/y2\.nodes\.example\.com",kind="moved"\} (\d+)/
      let moves = 0
      for (const gate of [one, two])
        moves += Number(moved.exec(await (await fetch(`${gate.adminUrl}/metrics`)).text())?.[1])
      expect(moves).toBe(onY1.length)
      const metrics = await (await fetch(`${one.adminUrl}/metrics`)).text()
      expect(metrics).toContain(
        'fxa_gate_service_node_users{service="sync",node="https://y1.nodes.example.com"}',
      )
    })
  })
})

describe('configuration with overlapping hosts', () => {
  it('is refused at start-up, naming both services', async () => {
    const services = [
      { name: 'calendar', hosts: ['*.example.com'], audience: 'calendar' },
      { name: 'files', hosts: ['files.example.com'], audience: 'files' },
    ]
    const run = await runFxaGate(['serve'], {
      FXA_GATE_CLIENT_ID: 'abc',
      FXA_GATE_PUBLIC_URL: 'https://auth.example.com',
      FXA_GATE_COOKIE_SECRETS: 'k'.repeat(40),
      FXA_GATE_SERVICES: JSON.stringify(services),
      FXA_GATE_LISTEN: '127.0.0.1:1',
    })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('FXA_GATE_SERVICES')
    expect(run.stderr).toContain('"calendar"')
    expect(run.stderr).toContain('"files"')
  })
})
