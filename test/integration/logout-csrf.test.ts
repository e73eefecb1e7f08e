import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createCookieJar, loginThroughGate, startTestGate, type TestGate } from '../support/gate.ts'
import { exactRequest } from '../support/nginx.ts'

const redisUrl = inject('redisUrl')
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const NAVIGATE = { accept: 'text/html', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }

describe('logout: a request from another site ends nothing', () => {
  let gate: TestGate
  beforeAll(async () => {
    gate = await startTestGate({ redisUrl, env: { FXA_GATE_ALLOWED_REDIRECT_HOSTS: 'app.example.test' } })
  })
  afterAll(() => gate?.close())

  async function signedIn() {
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'lou@example.org')
    const cookie = jar.cookieHeader(gate.url)
    const alive = async () =>
      (await fetch(`${gate.url}/_gate/userinfo`, { headers: { cookie } })).status === 200
    expect(await alive()).toBe(true)
    return { cookie, alive }
  }

  /** node:http rather than fetch, which sends Sec-Fetch-Mode: cors whatever it is told. */
  const logout = async (
    cookie: string,
    headers: Record<string, string>,
    method = 'GET',
    query = '?rd=/bye',
  ) => {
    const response = await exactRequest(
      gate.port,
      `/_gate/logout${query}`,
      {
        cookie,
        ...headers,
        ...(method === 'POST'
          ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '0' }
          : {}),
      },
      { method },
    )
    const header = (name: string) => {
      const value = response.headers[name]
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
    }
    return {
      status: response.status,
      headers: { get: header },
      text: async () => response.body,
      json: async () => JSON.parse(response.body) as unknown,
    }
  }

  it.each([
    ['a cross-site top-level GET (the finding)', { ...NAVIGATE, 'sec-fetch-site': 'cross-site' }],
    ['a same-site GET from a sibling host', { ...NAVIGATE, 'sec-fetch-site': 'same-site' }],
    ['a GET from a browser without Sec-Fetch headers', { accept: 'text/html' }],
    ['a GET naming another Origin', { ...NAVIGATE, origin: 'https://evil.test' }],
  ])('%s: a confirmation page whose form POSTs, the session intact', async (_name, headers) => {
    const { cookie, alive } = await signedIn()
    const response = await logout(cookie, headers)
    expect(response.status).toBe(200)
    expect(response.headers.get('set-cookie')).toBeNull()
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(response.headers.get('cache-control')).toBe('no-store')
    const page = await response.text()
    expect(page).toMatch(/<form method="post" action="\/_gate\/logout\?rd=%2Fbye">/)
    expect(page).toContain('<button')
    expect(await alive()).toBe(true)
  })

  it.each([
    ['a cross-site form POST', { ...NAVIGATE, 'sec-fetch-site': 'cross-site', origin: 'https://evil.test' }],
    ['a POST naming another Origin, without Sec-Fetch headers', { origin: 'https://evil.test' }],
    ['a POST with neither Sec-Fetch-Site nor Origin', {}],
    ['a POST whose Origin is null (sandboxed frame, redirect chain)', { origin: 'null' }],
    ['a same-site POST', { 'sec-fetch-site': 'same-site', origin: 'http://other.127.0.0.1.test' }],
  ])('%s ends nothing', async (_name, headers) => {
    const { cookie, alive } = await signedIn()
    const response = await logout(cookie, headers, 'POST')
    expect([200, 403]).toContain(response.status)
    expect(response.headers.get('set-cookie')).toBeNull()
    if (response.status === 403)
      expect(await response.json()).toMatchObject({ error: 'LOGOUT_NOT_SAME_ORIGIN' })
    expect(await alive()).toBe(true)
  })

  it.each([
    [
      'a same-origin GET (a link on fxa-gate’s own origin)',
      { ...NAVIGATE, 'sec-fetch-site': 'same-origin' },
      'GET',
      302,
    ],
    ['a GET the user started (typed, bookmark)', { ...NAVIGATE, 'sec-fetch-site': 'none' }, 'GET', 302],
    ['a same-origin POST', { 'sec-fetch-site': 'same-origin', origin: 'http://127.0.0.1' }, 'POST', 303],
    ['a POST from fxa-gate’s origin, without Sec-Fetch headers', { origin: '{origin}' }, 'POST', 303],
  ])('%s ends the session', async (_name, headers, method, status) => {
    const { cookie, alive } = await signedIn()
    const filled = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, value.replace('{origin}', gate.url)]),
    )
    const response = await logout(cookie, filled, method)
    expect(response.status).toBe(status)
    expect(response.headers.get('location')).toBe('/bye')
    expect(response.headers.get('set-cookie')).toMatch(/Max-Age=0/)
    expect(await alive()).toBe(false)
  })

  it('puts only a checked return URL in the confirmation form (none: the signed-out page)', async () => {
    const { cookie } = await signedIn()
    for (const [rd, action] of [
      ['https://evil.test/x', '/_gate/logout'],
      [
        'https://app.example.test/done?a=1&b="<x>"',
        '/_gate/logout?rd=https%3A%2F%2Fapp.example.test%2Fdone%3Fa%3D1%26b%3D%2522%253Cx%253E%2522',
      ],
      ['"><script>alert(1)</script>', '/_gate/logout'],
    ]) {
      const response = await logout(
        cookie,
        { ...NAVIGATE, 'sec-fetch-site': 'cross-site' },
        'GET',
        `?rd=${encodeURIComponent(rd!)}`,
      )
      const page = await response.text()
      expect(page, rd).toContain(`action="${action!.replaceAll('&', '&amp;')}"`)
      expect(page).not.toContain('<script>')
    }
  })
})

describe('logout CSRF in a real browser (headless Chromium)', () => {
  let gate: TestGate
  let browser: Browser
  let evil: Server
  let evilOrigin: string
  beforeAll(async () => {
    gate = await startTestGate({ redisUrl })
    // Another site: `localhost` is not `127.0.0.1`, so the browser sees a cross-site request.
    evil = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end(
        req.url === '/form'
          ? `<form id="f" method="post" action="${gate.url}/_gate/logout"></form><script>document.getElementById('f').submit()</script>`
          : `<a id="out" href="${gate.url}/_gate/logout?rd=/_gate/userinfo">win a prize</a>`,
      )
    })
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve))
    evilOrigin = `http://localhost:${(evil.address() as AddressInfo).port}`
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    })
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await gate?.close()
    await new Promise((resolve) => evil?.close(resolve))
  })

  async function loggedInPage() {
    const page = await browser.newPage()
    await page.goto(`${gate.url}/_gate/start?rd=${encodeURIComponent('/_gate/userinfo')}`)
    await page.fill('input[name="email"]', 'csrf@example.org')
    await page.fill('input[name="password"]', 'x')
    await Promise.all([page.waitForURL(/\/_gate\/userinfo$/), page.click('#sign-in')])
    const alive = async () => (await page.request.get(`${gate.url}/_gate/userinfo`)).status() === 200
    expect(await alive()).toBe(true)
    return { page, alive }
  }

  it('a link on another site lands on the confirmation page; only its button ends the session', async () => {
    const { page, alive } = await loggedInPage()
    await page.goto(`${evilOrigin}/`)
    await Promise.all([page.waitForURL(/\/_gate\/logout/, { timeout: 10_000 }), page.click('#out')])
    expect(await alive()).toBe(true)
    await Promise.all([page.waitForURL(/\/_gate\/userinfo$/), page.click('button')])
    expect(await alive()).toBe(false)
  })

  it('a form another site submits on its own ends nothing', async () => {
    const { page, alive } = await loggedInPage()
    await Promise.all([
      page.waitForURL(/\/_gate\/logout/, { timeout: 10_000 }),
      page.goto(`${evilOrigin}/form`),
    ])
    expect(await alive()).toBe(true)
  })
})
