import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startTestGate, type TestGate } from '../support/gate.ts'

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'

describe('login in a real browser (headless Chromium)', () => {
  let gate: TestGate
  let browser: Browser
  let profile: string
  beforeAll(async () => {
    gate = await startTestGate({ redisUrl: inject('redisUrl') })
    profile = await mkdtemp(join(tmpdir(), 'fxa-gate-chromium-'))
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
    if (profile) await rm(profile, { recursive: true, force: true })
  })

  it('clicks through the FxA form, lands on the return URL, and /userinfo shows the user', async () => {
    const page = await browser.newPage()
    await page.goto(`${gate.url}/_gate/start?rd=${encodeURIComponent('/_gate/userinfo?from=browser')}`)
    await page.fill('input[name="email"]', 'browser@example.org')
    await page.fill('input[name="password"]', 'anything')
    await Promise.all([page.waitForURL(/\/_gate\/userinfo\?from=browser$/), page.click('#sign-in')])
    const body = JSON.parse((await page.textContent('body')) ?? '{}') as Record<string, unknown>
    expect(body).toMatchObject({ email: 'browser@example.org', auth: 'session' })
    const cookies = await page.context().cookies(gate.url)
    const session = cookies.find((cookie) => cookie.name === gate.config.cookie.sessionName)
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' })
    expect(cookies.some((cookie) => cookie.name === gate.config.cookie.loginName)).toBe(false)
    await page.screenshot({ path: join(profile, 'userinfo.png') })
  })

  it('shows a readable page when the user cancels', async () => {
    const page = await browser.newPage()
    await page.goto(`${gate.url}/_gate/start`)
    await page.click('#cancel')
    await page.waitForURL(/\/_gate\/callback/)
    expect(await page.textContent('h1')).toBe('Sign-in cancelled')
  })
})
