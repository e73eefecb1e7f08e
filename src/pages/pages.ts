import { join } from 'node:path'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config/derive.ts'
import type { Keyring } from '../crypto/keyring.ts'
import { type Branding, compileBranding } from './branding.ts'
import { createDenialNotes, type DenialNotes } from './denial-note.ts'
import { BUILT_IN_LOCALES, type Localization, loadLocalization, type Messages } from './l10n.ts'
import { compilePageLinks, type PageLinks } from './links.ts'
import { loadTemplates, PAGE_TEMPLATES, type PageTemplate, type TemplateSet } from './templates.ts'
import { type CommonArgs, localize, type Text, text } from './text.ts'

/** A link offered as the next step. The first `primary` one is the main way forward. */
export interface PageLink {
  readonly href: string
  readonly text: Text
  readonly primary?: boolean
}

/**
 * A page, described without a language: a handler says what to show, the renderer says it in the
 * request's language, through the operator's templates or the shipped ones.
 */
export interface PageSpec {
  readonly template: PageTemplate
  readonly status: number
  /** The `<title>` and the heading. */
  readonly heading: Text
  readonly paragraphs: readonly Text[]
  readonly links: readonly PageLink[]
  /** Anything else the template shows (sessions, a form), Text values localized like the rest. */
  readonly view?: Readonly<Record<string, unknown>>
}

export interface RenderedPage {
  readonly html: string
  readonly locale: string
}

export interface Pages {
  readonly branding: Branding
  /** Where the pages' links lead. */
  readonly links: PageLinks
  /** `<prefix>/auth/`: the forward-auth endpoints, whose URLs a browser never sees. */
  readonly forwardAuthPath: string
  /** Refusals behind ingress-nginx, carried to `/start` (see denial-note.ts). */
  readonly denials: DenialNotes
  /** Display names of subscription capabilities. */
  readonly planNames: Readonly<Record<string, string>>
  /** The page as HTML in the request's language (Accept-Language). */
  render(request: FastifyRequest, spec: PageSpec): RenderedPage
  /** Renders and sends the page with its status and fxa-gate's page headers. */
  send(request: FastifyRequest, reply: FastifyReply, spec: PageSpec): FastifyReply
}

export interface PagesDeps {
  /** The denial notes' keyring, current at each call (secrets rotate at run time). */
  readonly denialKeys: () => Keyring
}

/**
 * Builds the page renderer once at start-up: locales (shipped, then the operator's
 * `templatesDir/locales/*.ftl`), templates (the operator's by name, else the shipped ones) and the
 * branding. Every template is rendered once here, so a broken operator template stops the start,
 * not a user's request.
 */
export function createPages(settings: Config, deps: PagesDeps): Pages {
  const operatorDir = settings.templatesDir
  const localization: Localization = loadLocalization([
    BUILT_IN_LOCALES,
    ...(operatorDir === undefined ? [] : [join(operatorDir, 'locales')]),
  ])
  const templates: TemplateSet = loadTemplates(operatorDir)
  const branding = compileBranding(settings)
  const common: CommonArgs = {
    site: branding.product ?? text('this-site'),
    provider: settings.brandingProviderName ?? text('provider-mozilla'),
  }
  const policy = contentSecurityPolicy(branding.logoUrl)

  function renderWith(messages: Messages, reference: string, spec: PageSpec): string {
    const view = localize(
      {
        title: spec.heading,
        heading: spec.heading,
        paragraphs: spec.paragraphs,
        links: spec.links,
        reference: text('page-reference', { id: reference }),
        reference_help: text('page-reference-help'),
        site: common.site,
        ...spec.view,
      },
      messages,
      common,
    ) as Record<string, unknown>
    return templates.render(
      spec.template,
      { ...view, lang: messages.locale, dir: messages.dir, status: spec.status, brand: branding },
      messages,
    )
  }

  for (const template of PAGE_TEMPLATES) {
    renderWith(localization.forRequest(undefined), 'start-up', {
      template,
      status: 200,
      heading: text('error-internal-title'),
      paragraphs: [],
      links: [],
    })
  }

  function render(request: FastifyRequest, spec: PageSpec): RenderedPage {
    const messages = localization.forRequest(firstHeader(request.headers['accept-language']))
    return { html: renderWith(messages, String(request.id), spec), locale: messages.locale }
  }

  return {
    branding,
    links: compilePageLinks(settings),
    forwardAuthPath: `${settings.prefix}/auth/`,
    denials: createDenialNotes(deps.denialKeys, settings.cookie),
    planNames: settings.brandingPlanNames,
    render,
    send(request, reply, spec) {
      const page = render(request, spec)
      return reply
        .code(spec.status)
        .header('cache-control', 'no-store')
        .header('content-language', page.locale)
        .header('vary', 'Accept-Language')
        .header('content-security-policy', policy)
        .header('x-frame-options', 'DENY')
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .type('text/html; charset=utf-8')
        .send(page.html)
    },
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/**
 * No script at all, no frames around the page, styles inline only, images from this origin and the
 * logo's. Form targets are not restricted: a sign-out form's redirect may lead to another allowed
 * host, which `form-action` would block in Chromium.
 */
function contentSecurityPolicy(logoUrl: string | undefined): string {
  const images = ["'self'", 'data:']
  if (logoUrl !== undefined && /^https?:\/\//i.test(logoUrl)) images.push(new URL(logoUrl).origin)
  return [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `img-src ${images.join(' ')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ')
}
