import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Config } from '../../../src/config/derive.ts'
import { loadConfig } from '../../../src/config/load.ts'
import { deriveKeyring } from '../../../src/crypto/keyring.ts'
import { ERRORS, type ErrorCode, GateError } from '../../../src/errors.ts'
import type { Identity } from '../../../src/identity/identity.ts'
import { compileBranding, contrast, DEFAULT_ACCENT } from '../../../src/pages/branding.ts'
import { errorPage } from '../../../src/pages/error-page.ts'
import { forbiddenPage } from '../../../src/pages/forbidden-page.ts'
import { createPages } from '../../../src/pages/pages.ts'
import type { Forbidden } from '../../../src/pipeline/answers.ts'
import { forbiddenRedirect } from '../../../src/pipeline/answers.ts'

function configWith(env: Record<string, string> = {}): Config {
  const result = loadConfig({
    env: {
      FXA_GATE_CLIENT_ID: 'client',
      FXA_GATE_PUBLIC_URL: 'https://auth.example.com',
      FXA_GATE_COOKIE_SECRETS: 'x'.repeat(32),
      ...env,
    },
    readFile: () => '',
  })
  if (!result.ok) throw new Error(JSON.stringify(result.problems))
  return result.config
}

const pagesFor = (config: Config) =>
  createPages(config, { denialKeys: () => deriveKeyring(config.cookieSecrets, 'denial-note') })

const request = (acceptLanguage?: string) =>
  ({ id: 'req-42', headers: acceptLanguage ? { 'accept-language': acceptLanguage } : {} }) as never

const user: Identity = {
  uid: 'u1',
  email: 'ann@example.org',
  displayName: null,
  locale: null,
  avatar: null,
  subscriptions: [],
  scopes: [],
  aal: 1,
  auth: 'session',
}

const textOf = (html: string) =>
  html
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')

describe('pages', () => {
  const pages = pagesFor(configWith())

  it('are in the language Accept-Language asks for, English when none matches', () => {
    const spec = errorPage(new GateError('NOT_FOUND'), pages.links)
    const german = pages.render(request('de-CH, fr;q=0.5'), spec)
    expect(german.locale).toBe('de')
    expect(german.html).toContain('<html lang="de" dir="ltr">')
    expect(german.html).toContain('<title>Seite nicht gefunden</title>')
    expect(pages.render(request('fr-FR'), spec).html).toContain('<html lang="fr"')
    expect(pages.render(request('ja, zh'), spec).html).toContain('<title>Page not found</title>')
    expect(pages.render(request(), spec).locale).toBe('en')
    expect(pages.render(request('x'.repeat(100_000)), spec).locale).toBe('en')
  })

  it('show the request id as the reference, and no operator setting', () => {
    for (const code of Object.keys(ERRORS) as ErrorCode[]) {
      const html = pages.render(request(), errorPage(new GateError(code), pages.links)).html
      expect(html, code).toContain('Reference: req-42')
      expect(html, code).not.toMatch(/FXA_GATE_|fxa-gate|X-Forwarded|auth URL/i)
      expect(html, code).toMatch(/<h1>[^<]{5,}<\/h1>/)
      expect(html, code).toMatch(/<a class="button[^"]*" href="[^"]+">/)
      // The code's own message is written for operators: never on the page.
      expect(textOf(html), code).not.toContain(ERRORS[code].message)
    }
  })

  it('offer to sign in again after a login problem, back to where the login was going', () => {
    const html = pages.render(
      request(),
      errorPage(new GateError('LOGIN_DENIED'), pages.links, { returnTo: 'https://app.example.com/x' }),
    ).html
    expect(html).toContain('Sign-in cancelled')
    expect(html).toContain(
      `href="https://auth.example.com/_gate/start?rd=${encodeURIComponent('https://app.example.com/x')}"`,
    )
  })

  it('escape everything they show: operator settings and user data alike', () => {
    const hostile = pagesFor(
      configWith({
        FXA_GATE_BRANDING_PRODUCT_NAME: '<script>alert(1)</script>',
        FXA_GATE_BRANDING_LOGO_URL: 'https://cdn.example.com/logo.svg?a="><img src=x onerror=alert(1)>',
      }),
    )
    const page = forbiddenPage(
      {
        unmet: { kind: 'capability', capability: '<b>premium</b>' },
        identity: { ...user, email: '"><script>x</script>@example.org' },
        url: 'https://app.example.com/"><script>',
        planNames: {},
      },
      hostile.links,
    )
    const { html } = hostile.render(request(), page)
    expect(html).not.toContain('<script>')
    expect(html).not.toContain('"><img')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).toContain('&lt;b&gt;premium&lt;/b&gt;')
  })

  it('refuse a logo URL of another scheme and an accent that is not a colour', () => {
    for (const [key, value] of [
      ['FXA_GATE_BRANDING_LOGO_URL', 'javascript:alert(1)'],
      ['FXA_GATE_BRANDING_LOGO_URL', '//evil.example/logo.png'],
      ['FXA_GATE_BRANDING_LOGO_URL', '/\\evil.example/logo.png'],
      ['FXA_GATE_BRANDING_ACCENT_COLOR', 'red;} body{display:none'],
      ['FXA_GATE_BRANDING_ACCENT_COLOR', '#12345'],
    ] as const) {
      const result = loadConfig({
        env: {
          FXA_GATE_CLIENT_ID: 'c',
          FXA_GATE_PUBLIC_URL: 'https://a.example',
          FXA_GATE_COOKIE_SECRETS: 'x'.repeat(32),
          [key]: value,
        },
        readFile: () => '',
      })
      expect(result.ok, value).toBe(false)
    }
  })

  it('keep text readable whatever the accent colour', () => {
    for (const colour of ['#ffff00', '#000000', '#777777', '#0061e0', '#abc']) {
      const branding = compileBranding({ brandingAccentColor: colour })
      expect(contrast(branding.accent, branding.onAccent)).toBeGreaterThanOrEqual(4.5 - 0.4)
      expect(contrast(branding.link, '#ffffff')).toBeGreaterThanOrEqual(4.5)
    }
    expect(contrast(DEFAULT_ACCENT, '#ffffff')).toBeGreaterThanOrEqual(4.5)
  })

  it('name the failed requirement in the user terms, in each language', () => {
    const page = (unmet: Forbidden['unmet']) =>
      forbiddenPage(
        { unmet, identity: user, url: 'https://app/x', planNames: { premium: 'Premium' } },
        pages.links,
      )
    const email = page({ kind: 'email', email: user.email, allowedDomains: ['staff.example'] })
    expect(pages.render(request(), email).html).toContain('This area is for staff.example accounts.')
    expect(pages.render(request('de'), email).html).toContain(
      'Dieser Bereich ist für Konten von staff.example.',
    )
    expect(pages.render(request('fr'), email).html).toContain(
      'Cet espace est réservé aux comptes staff.example.',
    )
    const two = page({ kind: 'email', email: user.email, allowedDomains: ['a.example', 'b.example'] })
    expect(pages.render(request(), two).html).toContain('a.example or b.example accounts')
    const plan = page({ kind: 'capability', capability: 'premium' })
    expect(pages.render(request(), plan).html).toContain('This area needs a Premium subscription.')
    const aal = page({ kind: 'aal', required: 2, actual: 1 })
    expect(pages.render(request(), aal).html).toContain('This area needs two-step authentication.')
    expect(pages.render(request(), aal).html).toContain('acr_values=AAL2')
  })

  it('never name other people’s allowed emails', () => {
    const spec = forbiddenPage(
      {
        unmet: { kind: 'email', email: user.email, allowedDomains: [] },
        identity: user,
        url: '/x',
        planNames: {},
      },
      pages.links,
    )
    expect(pages.render(request(), spec).html).toContain('This area is open only to certain accounts.')
  })
})

describe('operator templates and messages', () => {
  it('replace the shipped ones by name, and add messages', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fxa-gate-templates-'))
    writeFileSync(
      join(dir, 'layout.liquid'),
      '<!doctype html><html lang="{{ lang }}"><title>{{ title }}</title><body class="acme">{% block content %}{% endblock %}<p>{{ "acme-footer" | t: site: "Acme" }}</p><p>{{ reference }}</p></body></html>',
    )
    mkdirSync(join(dir, 'locales'))
    writeFileSync(
      join(dir, 'locales', 'en.ftl'),
      'acme-footer = Run by { $site }\nerror-not-found-title = Nothing here\n',
    )
    const pages = pagesFor(configWith({ FXA_GATE_TEMPLATES_DIR: dir }))
    const { html } = pages.render(request(), errorPage(new GateError('NOT_FOUND'), pages.links))
    expect(html).toContain('<body class="acme">')
    expect(html).toContain('<p>Run by Acme</p>')
    expect(html).toContain('<h1>Nothing here</h1>')
    // German has no operator message: its shipped text stays, and the operator's English fills in.
    const german = pages.render(request('de'), errorPage(new GateError('NOT_FOUND'), pages.links)).html
    expect(german).toContain('<h1>Seite nicht gefunden</h1>')
    expect(german).toContain('<p>Run by Acme</p>')
  })

  it('stop the start when a template does not parse', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fxa-gate-templates-'))
    writeFileSync(join(dir, 'message.liquid'), '{% if %}')
    expect(() => pagesFor(configWith({ FXA_GATE_TEMPLATES_DIR: dir }))).toThrow(/message\.liquid/)
  })
})

describe('where a refused navigation goes', () => {
  const forbidden = (unmet: Forbidden['unmet'], identity: Identity = user): Forbidden => ({
    kind: 'forbidden',
    unmet,
    identity,
    source: 'rules[0]',
    url: 'https://app.example.com/area?x=1',
  })

  it('steps a browser session up to two-step authentication through /start', () => {
    const next = new URL(forbiddenRedirect(configWith(), forbidden({ kind: 'aal', required: 2, actual: 1 }))!)
    expect(next.origin + next.pathname).toBe('https://auth.example.com/_gate/start')
    expect(next.searchParams.get('acr_values')).toBe('AAL2')
    expect(next.searchParams.get('rd')).toBe('https://app.example.com/area?x=1')
  })

  it('never steps up a bearer token or past what FxA can assert', () => {
    const config = configWith()
    expect(
      forbiddenRedirect(
        config,
        forbidden({ kind: 'aal', required: 2, actual: 1 }, { ...user, auth: 'bearer' }),
      ),
    ).toBeUndefined()
    expect(
      forbiddenRedirect(config, forbidden({ kind: 'aal', required: 3, actual: 2 }, { ...user, aal: 2 })),
    ).toBeUndefined()
  })

  it('sends a missing capability to the subscribe URL with the capability and the return URL', () => {
    const config = configWith({ FXA_GATE_SUBSCRIBE_URL: 'https://shop.example.com/subscribe?product=7' })
    const next = new URL(forbiddenRedirect(config, forbidden({ kind: 'capability', capability: 'premium' }))!)
    expect(next.origin + next.pathname).toBe('https://shop.example.com/subscribe')
    expect(next.searchParams.get('product')).toBe('7')
    expect(next.searchParams.get('capability')).toBe('premium')
    expect(next.searchParams.get('return_url')).toBe('https://app.example.com/area?x=1')
    expect(
      forbiddenRedirect(configWith(), forbidden({ kind: 'capability', capability: 'premium' })),
    ).toBeUndefined()
  })

  it('has no redirect for an email or scope refusal: the page explains', () => {
    const config = configWith({ FXA_GATE_SUBSCRIBE_URL: 'https://shop.example.com/' })
    expect(
      forbiddenRedirect(config, forbidden({ kind: 'email', email: null, allowedDomains: [] })),
    ).toBeUndefined()
    expect(forbiddenRedirect(config, forbidden({ kind: 'scope', scope: 's' }))).toBeUndefined()
  })
})
