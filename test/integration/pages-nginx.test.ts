import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type EchoApp, startEchoApp } from '../../dev/echo-app.ts'
import { launchChromium, seriousViolations } from '../support/browser.ts'
import { startTestGate, type TestGate } from '../support/gate.ts'
import { exactRequest, startNginx } from '../support/nginx.ts'

describe('pages behind ingress-nginx (real nginx as the controller renders the example Ingress, real Chromium)', () => {
  let echo: EchoApp
  let gate: TestGate
  let nginx: Awaited<ReturnType<typeof startNginx>>
  let browser: Browser

  beforeAll(async () => {
    echo = await startEchoApp()
    gate = await startTestGate({
      redisUrl: inject('redisUrl'),
      env: {
        FXA_GATE_ALLOWED_REDIRECT_HOSTS: '127.0.0.1',
        FXA_GATE_RULES: JSON.stringify([
          { paths: ['/staff/*'], allowedDomains: ['staff.example'] },
          { paths: ['/two-step/*'], minAal: 2 },
        ]),
      },
    })
    nginx = await startNginx({
      ingress: {
        host: '127.0.0.1',
        authUrl: `${gate.url}/_gate/auth/nginx`,
        signinUrl: `${gate.url}/_gate/start`,
      },
      upstream: `127.0.0.1:${echo.port}`,
    })
    browser = await launchChromium()
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await nginx?.stop()
    await gate?.close()
    await echo?.close()
  })

  async function signedIn(locale = 'en-US'): Promise<BrowserContext> {
    const context = await browser.newContext({ locale, bypassCSP: true })
    const page = await context.newPage()
    await page.goto(`${nginx.url}/inbox`)
    await page.fill('input[name="email"]', 'ann@example.org')
    await Promise.all([page.waitForURL(`${nginx.url}/inbox`), page.click('#sign-in')])
    await page.close()
    return context
  }

  it('a refused navigation ends on the 403 page saying why, not on nginx’s own page', async () => {
    const context = await signedIn('de-DE')
    const page = await context.newPage()
    const response = await page.goto(`${nginx.url}/staff/reports`)
    expect(response?.status()).toBe(403)
    expect(page.url()).toMatch(new RegExp(`^${gate.url}/_gate/start\\?rd=`))
    expect(await page.getAttribute('html', 'lang')).toBe('de')
    expect(await page.textContent('main')).toContain('Dieser Bereich ist für Konten von staff.example.')
    expect(await seriousViolations(page)).toEqual([])
    // The note is read once: "use another account" really signs in again.
    const again = await context.request.get(`${gate.url}/_gate/start?rd=%2F`, { maxRedirects: 0 })
    expect(again.status()).toBe(302)
    expect(again.headers()['location']).toMatch(new RegExp(`^${gate.fxa.issuer}/authorization\\?`))
    await context.close()
  })

  it('an API call behind nginx still gets a plain 403', async () => {
    const context = await signedIn()
    const cookie = (await context.cookies(gate.url)).map((c) => `${c.name}=${c.value}`).join('; ')
    const response = await exactRequest(nginx.port, '/staff/reports', { accept: 'application/json', cookie })
    expect(response.status).toBe(403)
    await context.close()
  })

  it('steps up through /start with acr_values=AAL2, and without two-step ends on the page, not in a loop', async () => {
    const context = await signedIn()
    const page = await context.newPage()
    const authorizations: string[] = []
    page.on('request', (request) => {
      if (request.url().startsWith(`${gate.fxa.issuer}/authorization?`)) authorizations.push(request.url())
    })
    await page.goto(`${nginx.url}/two-step/settings`)
    // FxA may ask again (and refuse a second step the account does not have): the user gives up.
    if (page.url().startsWith(gate.fxa.issuer)) await page.click('#sign-in')
    if (page.url().startsWith(gate.fxa.issuer)) await page.click('#cancel')
    await page.waitForSelector('h1')
    expect(authorizations).toHaveLength(1)
    expect(new URL(authorizations[0]!).searchParams.get('acr_values')).toBe('AAL2')
    expect(await page.textContent('h1')).toBe('Two-step authentication is needed')
    await context.close()
  })
})
