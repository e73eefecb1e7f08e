import { mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type EchoApp, startEchoApp } from '../../dev/echo-app.ts'
import { uidForEmail } from '../../dev/fake-fxa/users.ts'
import { launchChromium, seriousViolations } from '../support/browser.ts'
import { createCookieJar, loginThroughGate, startTestGate, type TestGate } from '../support/gate.ts'

const RULES = JSON.stringify([
  { paths: ['/staff/*'], allowedDomains: ['staff.example'] },
  { paths: ['/two-step/*'], minAal: 2 },
  { paths: ['/premium/*'], requiredCapabilities: ['premium'] },
])
/** Set FXA_GATE_SCREENSHOTS=1 to write docs/pages/*.png again; they are always rendered. */
const WRITE_SCREENSHOTS = process.env['FXA_GATE_SCREENSHOTS'] === '1'
const SCREENSHOTS = join(import.meta.dirname, '../../docs/pages')

describe('what people see, in a real browser (headless Chromium)', () => {
  let app: EchoApp
  let gate: TestGate
  let subscribing: TestGate
  let browser: Browser
  let otherSite: Server
  let otherSiteUrl: string
  const pagesSeen: { name: string; url: string; locale?: string }[] = []

  beforeAll(async () => {
    app = await startEchoApp()
    // Another site on the same host name (so the same site to a browser, cookies and all): its form
    // posts to fxa-gate cross-origin.
    otherSite = createServer((req, res) => {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          req.url === '/sign-out-link'
            ? `<!doctype html><a id="out" href="${gate.url}/_gate/logout">sign out</a>`
            : `<!doctype html><form id="f" method="post" action="${gate.url}/_gate/sessions/revoke"><input name="all" value="true"><button>go</button></form>`,
        )
    })
    await new Promise<void>((resolve) => otherSite.listen(0, '127.0.0.1', resolve))
    otherSiteUrl = `http://127.0.0.1:${(otherSite.address() as AddressInfo).port}`
    const env = {
      FXA_GATE_UPSTREAM: app.url,
      FXA_GATE_RULES: RULES,
      FXA_GATE_BRANDING_PRODUCT_NAME: 'Example Mail',
      FXA_GATE_BRANDING_PLAN_NAMES: JSON.stringify({ premium: 'Premium' }),
    }
    gate = await startTestGate({ redisUrl: inject('redisUrl'), env })
    subscribing = await startTestGate({
      redisUrl: inject('redisUrl'),
      env: { ...env, FXA_GATE_SUBSCRIBE_URL: `${otherSiteUrl}/subscribe?product=mail` },
    })
    browser = await launchChromium()
    if (WRITE_SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await Promise.allSettled([gate?.close(), subscribing?.close(), app?.close()])
    await new Promise((resolve) => otherSite?.close(resolve))
  })

  async function signedInContext(email: string, locale = 'en-US', into = gate): Promise<BrowserContext> {
    const context = await browser.newContext({ locale, bypassCSP: true })
    const page = await context.newPage()
    await page.goto(`${into.url}/_gate/start?rd=/`)
    await page.fill('input[name="email"]', email)
    await page.fill('input[name="password"]', 'anything')
    await Promise.all([page.waitForURL(`${into.url}/`), page.click('#sign-in')])
    await page.close()
    return context
  }

  async function expectAccessible(page: Page, name: string) {
    expect(await seriousViolations(page), name).toEqual([])
    pagesSeen.push({ name, url: page.url() })
  }

  async function screenshot(page: Page, name: string) {
    const shot = await page.screenshot({ fullPage: true })
    expect(shot.length).toBeGreaterThan(5_000)
    if (WRITE_SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
  }

  it('a forbidden navigation gets a 403 page in English, German and French, with a way onward', async () => {
    const seen: Record<string, { lang: string | null; h1: string; reason: string }> = {}
    for (const locale of ['en-US', 'de-DE', 'fr-FR']) {
      const context = await signedInContext('ann@example.org', locale)
      const page = await context.newPage()
      const response = await page.goto(`${gate.url}/staff/reports`)
      expect(response?.status()).toBe(403)
      expect(response?.headers()['content-type']).toMatch(/^text\/html/)
      seen[locale] = {
        lang: await page.getAttribute('html', 'lang'),
        h1: (await page.textContent('h1')) ?? '',
        reason: (await page.textContent('main p')) ?? '',
      }
      expect(await page.title()).toContain(seen[locale].h1)
      const onward = page.locator('main a.button').first()
      expect(await onward.getAttribute('href')).toMatch(/\/_gate\/start\?rd=.*prompt=login/)
      expect(await page.textContent('footer')).toMatch(/req-|[0-9a-f-]{8,}/)
      await expectAccessible(page, `forbidden ${locale}`)
      if (locale === 'en-US') await screenshot(page, 'forbidden')
      await context.close()
    }
    expect(seen['en-US']).toMatchObject({ lang: 'en', reason: 'This area is for staff.example accounts.' })
    expect(seen['de-DE']).toMatchObject({
      lang: 'de',
      reason: 'Dieser Bereich ist für Konten von staff.example.',
    })
    expect(seen['fr-FR']).toMatchObject({
      lang: 'fr',
      reason: 'Cet espace est réservé aux comptes staff.example.',
    })
    expect(new Set(Object.values(seen).map((page) => page.h1)).size).toBe(3)
  })

  it('the same call as an API gets JSON 403', async () => {
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'ann@example.org')
    const response = await jar.fetch(`${gate.url}/staff/reports`, {
      headers: { accept: 'application/json', 'sec-fetch-mode': 'cors' },
    })
    expect(response.status).toBe(403)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await response.json()).toMatchObject({ error: 'FORBIDDEN' })
  })

  it('steps up to two-step authentication with acr_values=AAL2 and comes back', async () => {
    const fresh = await browser.newContext({ bypassCSP: true })
    const page = await fresh.newPage()
    const asked: string[] = []
    page.on('request', (request) => asked.push(request.url()))
    // Signed in at AAL1 (an account without two-step), then given two-step at the provider.
    const email = 'later@example.org'
    await page.goto(`${gate.url}/_gate/start?rd=/`)
    await page.fill('input[name="email"]', email)
    await Promise.all([page.waitForURL(`${gate.url}/`), page.click('#sign-in')])
    gate.fxa.users.get(uidForEmail(email))!.twoFactor = true
    const response = await page.goto(`${gate.url}/two-step/settings`)
    const start = asked.findLast((url) => url.startsWith(`${gate.url}/_gate/start?`))
    expect(new URL(start!).searchParams.get('acr_values')).toBe('AAL2')
    const authorization = asked.findLast((url) => url.startsWith(`${gate.fxa.issuer}/authorization?`))
    expect(new URL(authorization!).searchParams.get('acr_values')).toBe('AAL2')
    // FxA kept its session: no form, straight back, now at AAL2. Or it asks again, and for the
    // six-digit code of the second step (as FxA does for an account with two-step).
    if (page.url().startsWith(gate.fxa.issuer)) {
      if (await page.isVisible('#sign-in')) {
        await Promise.all([page.waitForSelector('#confirm, h1'), page.click('#sign-in')])
      }
      if (page.url().startsWith(gate.fxa.issuer)) {
        await page.fill('input[name="code"]', '123456')
        await Promise.all([page.waitForURL(`${gate.url}/two-step/settings`), page.click('#confirm')])
      }
    } else expect(response?.status()).toBe(200)
    expect(page.url()).toBe(`${gate.url}/two-step/settings`)
    expect(await page.textContent('body')).toContain('x-user-email')
    await fresh.close()
  })

  it('never loops: a step-up that returns without two-step ends on a page saying how to turn it on', async () => {
    const context = await signedInContext('ann@example.org')
    const page = await context.newPage()
    const starts: string[] = []
    page.on('request', (request) => {
      if (request.url().includes('/_gate/start?')) starts.push(request.url())
    })
    const response = await page.goto(`${gate.url}/two-step/settings`)
    // FxA may ask again (and refuse a second step the account does not have): the user gives up.
    if (page.url().startsWith(gate.fxa.issuer)) await page.click('#sign-in')
    if (page.url().startsWith(gate.fxa.issuer)) await page.click('#cancel')
    await page.waitForSelector('h1')
    expect(starts).toHaveLength(1)
    expect(response?.status() === 403 || (await page.textContent('h1'))).toBeTruthy()
    expect(await page.textContent('h1')).toBe('Two-step authentication is needed')
    const links = await page
      .locator('main a')
      .evaluateAll((anchors) => anchors.map((a) => (a as unknown as { href: string }).href))
    expect(links[0]).toBe(`${gate.fxa.issuer}/settings`)
    expect(links.some((href) => href.includes('acr_values=AAL2'))).toBe(true)
    await expectAccessible(page, 'step-up')
    await context.close()
  })

  it('a missing capability goes to FXA_GATE_SUBSCRIBE_URL with the capability and the return URL', async () => {
    const context = await signedInContext('ann@example.org', 'en-US', subscribing)
    const page = await context.newPage()
    await page.goto(`${subscribing.url}/premium/archive?y=2024`)
    const landed = new URL(page.url())
    expect(landed.origin + landed.pathname).toBe(`${otherSiteUrl}/subscribe`)
    expect(landed.searchParams.get('product')).toBe('mail')
    expect(landed.searchParams.get('capability')).toBe('premium')
    expect(landed.searchParams.get('return_url')).toBe(`${subscribing.url}/premium/archive?y=2024`)
    await context.close()
  })

  it('without a subscribe URL, a 403 page names the missing plan', async () => {
    const context = await signedInContext('ann@example.org', 'it-IT')
    const page = await context.newPage()
    const response = await page.goto(`${gate.url}/premium/archive`)
    expect(response?.status()).toBe(403)
    expect(await page.textContent('main')).toContain('Quest’area richiede un abbonamento Premium.')
    await expectAccessible(page, 'forbidden plan it')
    await context.close()
  })

  it('logout lands on the signed-out page, which offers to sign in again', async () => {
    const context = await signedInContext('ann@example.org')
    const page = await context.newPage()
    await page.goto(`${gate.url}/`)
    await Promise.all([page.waitForURL(`${gate.url}/_gate/signed-out`), page.click('text=Sign out')])
    expect(await page.textContent('h1')).toBe('You are signed out')
    expect(await page.textContent('main')).toContain('still signed in to your Mozilla account')
    const signIn = page.locator('main a', { hasText: 'Sign in again' })
    expect(await signIn.getAttribute('href')).toMatch(new RegExp(`^${gate.url}/_gate/start\\?rd=`))
    expect(await page.locator('main a', { hasText: 'settings' }).getAttribute('href')).toBe(
      `${gate.fxa.issuer}/settings`,
    )
    await expectAccessible(page, 'signed out')
    await screenshot(page, 'signed-out')
    // Signed out for real: the app asks for a login again.
    const again = await context.request.get(`${gate.url}/`, {
      maxRedirects: 0,
      headers: { accept: 'text/html' },
    })
    expect(again.status()).toBe(302)
    await context.close()
  })

  it('a sign-out another site links to asks first, in the user’s language, and its button signs out', async () => {
    const context = await signedInContext('kim@example.org', 'fr-FR')
    const alive = async () =>
      (
        await context.request.get(`${gate.url}/_gate/userinfo`, { headers: { accept: 'application/json' } })
      ).status()
    expect(await alive()).toBe(200)
    const page = await context.newPage()
    await page.goto(`${otherSiteUrl}/sign-out-link`)
    await Promise.all([page.waitForURL(`${gate.url}/_gate/logout`), page.click('#out')])
    expect(await page.getAttribute('html', 'lang')).toBe('fr')
    expect(await page.textContent('h1')).toContain('Se déconnecter')
    expect(await page.textContent('main')).toContain('Example Mail')
    expect(await alive()).toBe(200)
    await expectAccessible(page, 'sign out? fr')
    await Promise.all([page.waitForURL(`${gate.url}/_gate/signed-out`), page.click('main button')])
    expect(await page.textContent('h1')).toBe('Vous êtes déconnecté·e')
    expect(await alive()).toBe(401)
    await context.close()
  })

  it('lists two browsers of one user, ends the other, and refuses a cross-site attempt', async () => {
    const mine = await signedInContext('sam@example.org')
    const other = await signedInContext('sam@example.org', 'de-DE')
    const page = await mine.newPage()
    await page.goto(`${gate.url}/_gate/sessions`)
    expect(await page.textContent('h1')).toBe('Where you are signed in')
    expect(await page.locator('.sessions > li').count()).toBe(2)
    expect(await page.locator('.sessions .badge').count()).toBe(1)
    await expectAccessible(page, 'sessions')
    await screenshot(page, 'sessions')

    // The same list as JSON, for an API call.
    const listed = (await page.evaluate(async () => (await fetch('/_gate/sessions')).json())) as {
      sessions: Record<string, unknown>[]
    }
    expect(listed.sessions).toHaveLength(2)
    for (const session of listed.sessions) {
      expect(Object.keys(session).sort()).toEqual([
        'createdAt',
        'current',
        'id',
        'ip',
        'lastSeenAt',
        'userAgent',
      ])
      expect(session['ip']).toBe('127.0.0.0/24')
      expect(String(session['userAgent'])).toContain('Chrome')
    }

    // Another site's form (same host name, another port: the same site, so the cookie goes along).
    const attacker = await mine.newPage()
    await attacker.goto(otherSiteUrl)
    const [refused] = await Promise.all([
      attacker.waitForResponse((response) => response.url().includes('/_gate/sessions/revoke')),
      attacker.click('button'),
    ])
    expect(refused.status()).toBe(403)
    const after = (await page.evaluate(async () => (await fetch('/_gate/sessions')).json())) as {
      sessions: unknown[]
    }
    expect(after.sessions).toHaveLength(2)

    // Ending the other browser from this one.
    await Promise.all([page.waitForURL(/\/_gate\/sessions\?ended=one$/), page.click('.sessions button')])
    expect(await page.textContent('.notice')).toBe('The session was ended.')
    expect(await page.locator('.sessions > li').count()).toBe(1)
    const ended = await other.request.get(`${gate.url}/`, {
      maxRedirects: 0,
      headers: { accept: 'text/html' },
    })
    expect(ended.status()).toBe(302)
    const still = await mine.request.get(`${gate.url}/`, { headers: { accept: 'application/json' } })
    expect(still.status()).toBe(200)
    await Promise.all([mine.close(), other.close()])
  })

  it('error pages and the stale login are pages too, accessible, in German when asked', async () => {
    const context = await browser.newContext({ locale: 'de-DE', bypassCSP: true })
    const page = await context.newPage()
    const missing = await page.goto(`${gate.url}/_gate/nothing-here`)
    expect(missing?.status()).toBe(404)
    expect(await page.getAttribute('html', 'lang')).toBe('de')
    expect(await page.textContent('h1')).toBe('Seite nicht gefunden')
    // The reference is the request id the answer carries (and the log lines about it).
    const requestId = missing?.headers()['x-request-id']
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/)
    expect(await page.textContent('body')).toContain(requestId!)
    await expectAccessible(page, 'not found de')
    const stale = await page.goto(`${gate.url}/_gate/callback?code=x&state=y`)
    expect(stale?.status()).toBe(400)
    expect(await page.textContent('h1')).toBe('Ihre Anmeldung ist abgelaufen')
    expect(await page.locator('main a', { hasText: 'Erneut anmelden' }).count()).toBe(1)
    await expectAccessible(page, 'login expired de')
    await screenshot(page, 'error-de')
    await context.close()
  })

  it('a cancelled login is a page with a way back', async () => {
    const context = await browser.newContext({ bypassCSP: true })
    const page = await context.newPage()
    await page.goto(`${gate.url}/_gate/start?rd=/inbox`)
    await Promise.all([page.waitForURL(/\/_gate\/callback/), page.click('#cancel')])
    expect(await page.textContent('h1')).toBe('Sign-in cancelled')
    expect(await page.locator('main a', { hasText: 'Sign in again' }).getAttribute('href')).toBe(
      `${gate.url}/_gate/start?rd=%2Finbox`,
    )
    await expectAccessible(page, 'login cancelled')
    await context.close()
  })
})
