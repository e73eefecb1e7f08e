import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type EchoApp, startEchoApp } from '../../dev/echo-app.ts'
import { startTestGate, type TestGate } from '../support/gate.ts'
import { exactRequest, startNginx, untilReady } from '../support/nginx.ts'

const redisUrl = inject('redisUrl')
const PUBLIC_HOST = 'public.example'
const PRIVATE_HOST = 'private.example'

/**
 * THREATS §4 "hosts", issue finding 3: nginx routes an absolute-form request line by the host in it,
 * while ingress-nginx builds X-Original-URL from the Host header. Each Ingress's auth URL names its
 * own host (`?host=`), so a request routed to one Ingress cannot be described as another's.
 */
describe('host-scoped public rules behind ingress-nginx (real nginx, two Ingresses)', () => {
  let gate: TestGate
  let publicApp: EchoApp
  let privateApp: EchoApp
  let nginx: Awaited<ReturnType<typeof startNginx>>

  beforeAll(async () => {
    publicApp = await startEchoApp()
    privateApp = await startEchoApp()
    gate = await startTestGate({
      redisUrl,
      env: { FXA_GATE_RULES: JSON.stringify([{ hosts: [PUBLIC_HOST], access: 'public' }]) },
    })
    await untilReady(gate.adminUrl)
    const ingress = (host: string) => ({
      host,
      authUrl: `${gate.url}/_gate/auth/nginx`,
      signinUrl: `${gate.url}/_gate/start`,
    })
    nginx = await startNginx({
      ingress: ingress(PUBLIC_HOST),
      upstream: `127.0.0.1:${publicApp.port}`,
      others: [{ ingress: ingress(PRIVATE_HOST), upstream: `127.0.0.1:${privateApp.port}` }],
    })
  })
  afterAll(async () => {
    await nginx?.stop()
    await gate?.close()
    await publicApp?.close()
    await privateApp?.close()
  })

  it('serves the public host anonymously and keeps the private host behind the login', async () => {
    expect((await exactRequest(nginx.port, '/page', { host: PUBLIC_HOST })).status).toBe(200)
    expect(publicApp.requests.map((request) => request.url)).toContain('/page')
    const denied = await exactRequest(nginx.port, '/secret', {
      host: PRIVATE_HOST,
      accept: 'application/json',
    })
    expect(denied.status).toBe(302)
    expect(privateApp.requests).toEqual([])
  })

  it('never lets an absolute-form request line for the private host in on the public Host header', async () => {
    for (const [target, host] of [
      [`http://${PRIVATE_HOST}/secret`, PUBLIC_HOST],
      [`http://${PRIVATE_HOST}/secret`, `${PUBLIC_HOST}.`],
      [`http://${PRIVATE_HOST}/secret`, 'PUBLIC.example'],
      [`http://${PRIVATE_HOST}:${'80'}/secret`, `${PUBLIC_HOST}:80`],
      [`http://${PRIVATE_HOST}./secret`, PUBLIC_HOST],
    ] as const) {
      const response = await exactRequest(nginx.port, target, { host, accept: 'application/json' })
      expect(response.status, `${target} with Host ${host}`).not.toBe(200)
    }
    expect(privateApp.requests.map((request) => request.url)).toEqual([])
  })

  it('renders each Ingress with an auth URL that names its own host', () => {
    expect(nginx.conf()).toContain(`/_gate/auth/nginx?host=${PUBLIC_HOST};`)
    expect(nginx.conf()).toContain(`/_gate/auth/nginx?host=${PRIVATE_HOST};`)
  })
})

describe('/_gate/auth/nginx and host-scoped rules', () => {
  let gate: TestGate
  beforeAll(async () => {
    gate = await startTestGate({
      redisUrl,
      env: {
        FXA_GATE_PUBLIC_PATHS: '/assets/*',
        FXA_GATE_RULES: JSON.stringify([
          { hosts: [PUBLIC_HOST], access: 'public' },
          { hosts: ['admin.example'], allowedDomains: ['corp.example'] },
        ]),
      },
    })
    await untilReady(gate.adminUrl)
  })
  afterAll(() => gate?.close())

  const ask = (query: string, originalUrl: string) =>
    exactRequest(gate.port, `/_gate/auth/nginx${query}`, {
      'x-original-url': originalUrl,
      'x-original-method': 'GET',
      accept: 'application/json',
    })

  it('applies a host-scoped public rule when the auth URL pins that host', async () => {
    expect((await ask(`?host=${PUBLIC_HOST}`, `https://${PUBLIC_HOST}/x`)).status).toBe(200)
    expect((await ask(`?host=${PUBLIC_HOST}`, `https://PUBLIC.example.:443/x`)).status).toBe(200)
  })

  it('refuses an X-Original-URL whose host is not the pinned one', async () => {
    for (const url of [
      `https://${PRIVATE_HOST}/x`,
      `https://${PUBLIC_HOST}.evil.test/x`,
      'https://evil.test/x',
    ]) {
      const response = await ask(`?host=${PUBLIC_HOST}`, url)
      expect(response.status, url).toBe(400)
      expect((JSON.parse(response.body) as { error: string }).error).toBe('HOST_MISMATCH')
    }
  })

  it('never makes a request public by a host-scoped rule when the auth URL does not pin the host', async () => {
    expect((await ask('', `https://${PUBLIC_HOST}/x`)).status).toBe(401)
    // Rules that do not depend on the host still apply.
    expect((await ask('', `https://${PUBLIC_HOST}/assets/a.css`)).status).toBe(200)
  })

  it('refuses a pinned host that is not a host', async () => {
    for (const query of ['?host=', '?host=a/b', '?host=*.example', `?host=${PUBLIC_HOST}&host=x.example`]) {
      expect((await ask(query, `https://${PUBLIC_HOST}/x`)).status, query).toBe(400)
    }
  })
})
