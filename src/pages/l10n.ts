import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { FluentBundle, FluentResource, type FluentVariable } from '@fluent/bundle'
import { acceptedLanguages, negotiateLanguages } from '@fluent/langneg'

/** The language every page falls back to, message by message. */
export const DEFAULT_LOCALE = 'en'

/** Where the shipped `.ftl` files live (copied beside the compiled code by the build). */
export const BUILT_IN_LOCALES = join(import.meta.dirname, 'locales')

/** Writing directions of the languages an operator might add; the shipped ones are all left-to-right. */
const RIGHT_TO_LEFT = new Set(['ar', 'fa', 'he', 'ur', 'ps', 'sd', 'yi', 'dv', 'ckb'])

/** Accept-Language is a client's header: only its first part and entries are read. */
const MAX_ACCEPT_LANGUAGE = 512
const MAX_LANGUAGES = 16

export type MessageArgs = Readonly<Record<string, FluentVariable>>

/** Messages in one negotiated language, each falling back to English when the language lacks it. */
export interface Messages {
  /** The BCP 47 tag the page is in (for `<html lang>` and Content-Language). */
  readonly locale: string
  readonly dir: 'ltr' | 'rtl'
  format(id: string, args?: MessageArgs): string
  has(id: string): boolean
}

export interface Localization {
  readonly locales: readonly string[]
  /** The messages for a request's Accept-Language header (English when nothing matches). */
  forRequest(acceptLanguage: string | undefined): Messages
  /** The messages of one locale exactly as shipped (tests, the locale completeness check). */
  bundle(locale: string): FluentBundle | undefined
}

/**
 * Reads every `<locale>.ftl` in the given directories once, at start-up. A later directory adds
 * messages to (or replaces messages of) an earlier one's locale, so an operator's
 * `templatesDir/locales/de.ftl` can change one German sentence or add a language. Fluent's parser
 * skips an entry it cannot read (that message then falls back to English); the shipped files are
 * checked for such entries by the tests.
 */
export function loadLocalization(directories: readonly string[]): Localization {
  const bundles = new Map<string, FluentBundle>()
  for (const directory of directories) {
    for (const file of ftlFiles(directory)) {
      const locale = file.slice(0, -'.ftl'.length)
      const resource = new FluentResource(readFileSync(join(directory, file), 'utf8'))
      let bundle = bundles.get(locale)
      if (bundle === undefined) {
        // No isolation marks: the shipped languages are left-to-right, and the marks would show
        // in the window title of some browsers.
        bundle = new FluentBundle(locale, { useIsolating: false })
        bundles.set(locale, bundle)
      }
      const errors = bundle.addResource(resource, { allowOverrides: true })
      if (errors.length > 0) throw new Error(`${join(directory, file)}: ${errors[0]!.message}`)
    }
  }
  const fallback = bundles.get(DEFAULT_LOCALE)
  if (fallback === undefined) throw new Error(`no ${DEFAULT_LOCALE}.ftl among the locales`)
  const locales = [...bundles.keys()].sort()
  const chains = new Map<string, Messages>()
  const messagesFor = (locale: string): Messages => {
    let messages = chains.get(locale)
    if (messages === undefined) {
      messages = createMessages(locale, [bundles.get(locale)!, fallback])
      chains.set(locale, messages)
    }
    return messages
  }
  return {
    locales,
    forRequest(acceptLanguage) {
      const requested = acceptedLanguages((acceptLanguage ?? '').slice(0, MAX_ACCEPT_LANGUAGE)).slice(
        0,
        MAX_LANGUAGES,
      )
      const [best] = negotiateLanguages(requested, locales, {
        defaultLocale: DEFAULT_LOCALE,
        strategy: 'lookup',
      })
      return messagesFor(best ?? DEFAULT_LOCALE)
    },
    bundle: (locale) => bundles.get(locale),
  }
}

function ftlFiles(directory: string): string[] {
  let entries: string[]
  try {
    entries = readdirSync(directory)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  return entries.filter((name) => /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*\.ftl$/.test(name)).sort()
}

function createMessages(locale: string, chain: readonly FluentBundle[]): Messages {
  const language = locale.split('-')[0]!.toLowerCase()
  return {
    locale,
    dir: RIGHT_TO_LEFT.has(language) ? 'rtl' : 'ltr',
    has: (id) => chain.some((bundle) => bundle.hasMessage(id)),
    format(id, args) {
      for (const bundle of chain) {
        const message = bundle.getMessage(id)
        // Errors (a variable the caller did not pass) leave a visible `{$name}`; never a thrown page.
        if (message?.value)
          return bundle.formatPattern(message.value, args as Record<string, FluentVariable>, [])
      }
      // A message id no bundle knows is a bug in a template: show the id rather than nothing.
      return id
    },
  }
}
