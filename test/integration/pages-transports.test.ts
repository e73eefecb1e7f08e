import type { OutgoingHttpHeaders } from 'node:http'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { ENVOY_HEADERS_TO_EXT_AUTH } from '../../deploy/examples/headers.ts'
import { createCookieJar, loginThroughGate, startTestGate, type TestGate } from '../support/gate.ts'
import { exactRequest } from '../support/nginx.ts'

const APP = 'app.example.com'
const NAVIGATION = { accept: 'text/html', 'sec-fetch-mode': 'navigate', 'accept-language': 'fr-FR,fr;q=0.9' }
const API = { accept: 'application/json', 'sec-fetch-mode': 'cors' }

/** How each proxy asks about one client GET, as in forward-auth-endpoints.test.ts. */
const checks = {
  traefik: (target: string, client: OutgoingHttpHeaders) => ({
    path: '/_gate/auth/traefik',
    headers: {
      ...client,
      'x-forwarded-method': 'GET',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': APP,
      'x-forwarded-uri': target,
    },
  }),
  envoy: (target: string, client: OutgoingHttpHeaders) => {
    const headers: OutgoingHttpHeaders = { host: APP, 'content-length': '0' }
    for (const [name, value] of Object.entries(client))
      if (ENVOY_HEADERS_TO_EXT_AUTH.includes(name)) headers[name] = value
    return { path: `/_gate/auth/envoy${target}`, headers }
  },
  nginx: (target: string, client: OutgoingHttpHeaders) => ({
    path: '/_gate/auth/nginx',
    headers: { ...client, 'x-original-url': `https://${APP}${target}`, 'x-original-method': 'GET' },
  }),
}

describe('the pages on every transport that answers a browser', () => {
  let gate: TestGate
  let cookie: string
  beforeAll(async () => {
    gate = await startTestGate({
      redisUrl: inject('redisUrl'),
      env: {
        FXA_GATE_TRUSTED_PROXIES: '127.0.0.1/32',
        FXA_GATE_ALLOWED_REDIRECT_HOSTS: APP,
        FXA_GATE_RULES: JSON.stringify([
          { paths: ['/staff/*'], allowedDomains: ['staff.example'] },
          { paths: ['/two-step/*'], minAal: 2 },
        ]),
      },
    })
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'ann@example.org')
    cookie = jar.cookieHeader(gate.url)
  })
  afterAll(() => gate?.close())

  const ask = (transport: keyof typeof checks, target: string, client: OutgoingHttpHeaders) => {
    const check = checks[transport](target, { ...client, cookie })
    return exactRequest(gate.port, check.path, check.headers)
  }

  it.each(['traefik', 'envoy'] as const)(
    '%s: a refused navigation gets the 403 page, an API call JSON',
    async (transport) => {
      const page = await ask(transport, '/staff/x', NAVIGATION)
      expect(page.status).toBe(403)
      expect(page.headers['content-type']).toMatch(/^text\/html/)
      expect(page.headers['content-security-policy']).toContain("default-src 'none'")
      expect(page.body).toContain('<html lang="fr"')
      expect(page.body).toContain('Cet espace est réservé aux comptes staff.example.')
      // Its links are absolute: the page is shown on the application's host.
      expect(page.body).toContain(
        `href="${gate.url}/_gate/start?rd=${encodeURIComponent(`https://${APP}/staff/x`)}`,
      )
      const api = await ask(transport, '/staff/x', API)
      expect(api.status).toBe(403)
      expect(JSON.parse(api.body)).toMatchObject({ error: 'FORBIDDEN' })
    },
  )

  it.each(['traefik', 'envoy'] as const)('%s: a two-step miss is a step-up redirect', async (transport) => {
    const response = await ask(transport, '/two-step/x', NAVIGATION)
    expect(response.status).toBe(302)
    const location = new URL(String(response.headers.location))
    expect(location.pathname).toBe('/_gate/start')
    expect(location.searchParams.get('acr_values')).toBe('AAL2')
    expect(location.searchParams.get('rd')).toBe(`https://${APP}/two-step/x`)
  })

  it('nginx: a refused navigation is a 401 with the denial note, an API call a plain 403', async () => {
    const navigation = await ask('nginx', '/staff/x', NAVIGATION)
    expect(navigation.status).toBe(401)
    expect(String(navigation.headers['set-cookie'])).toMatch(/^fxa_gate_denied=[^;]+; Max-Age=60;/)
    expect(navigation.headers['cache-control']).toBe('no-store')
    const api = await ask('nginx', '/staff/x', API)
    expect(api.status).toBe(403)
    expect(api.headers['set-cookie']).toBeUndefined()
  })
})
