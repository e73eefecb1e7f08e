import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Liquid, type Template } from 'liquidjs'
import type { Messages } from './l10n.ts'

/** Where the shipped templates live (copied beside the compiled code by the build). */
export const BUILT_IN_TEMPLATES = join(import.meta.dirname, 'templates')

/** The templates a page can be rendered from; an operator's directory may replace any of them. */
export const PAGE_TEMPLATES = ['message', 'sessions'] as const
export type PageTemplate = (typeof PAGE_TEMPLATES)[number]

export interface TemplateSet {
  /** Renders a page template with its (already localized) view; every output is HTML-escaped. */
  render(template: PageTemplate, view: object, messages: Messages): string
}

/**
 * The page templates (LiquidJS: no code runs in a template, and every `{{ output }}` is
 * HTML-escaped unless a template says `| raw`). Read and parsed once at start-up from the shipped
 * directory, with the files of an operator's `templatesDir` taking their place by name, so an
 * operator can replace only `layout.liquid`. Nothing is read from disk while serving. Throws when a
 * template does not parse, naming it.
 */
export function loadTemplates(operatorDir: string | undefined): TemplateSet {
  const sources: Record<string, string> = {}
  for (const directory of [BUILT_IN_TEMPLATES, ...(operatorDir === undefined ? [] : [operatorDir])]) {
    for (const file of liquidFiles(directory)) sources[file] = readFileSync(join(directory, file), 'utf8')
  }
  const engine = new Liquid({
    templates: sources,
    outputEscape: 'escape',
    strictFilters: true,
    ownPropertyOnly: true,
    cache: true,
  })
  // `{{ "message-id" | t: name: value }}`: any message, in the page's language.
  engine.registerFilter('t', function translate(this: { context: { globals: object } }, id, ...args) {
    const messages = (this.context.globals as { messages?: Messages }).messages
    const named = Object.fromEntries(
      (args as unknown[]).filter(Array.isArray).map(([name, value]) => [String(name), String(value)]),
    )
    return messages === undefined ? String(id) : messages.format(String(id), named)
  })
  const parsed = new Map<PageTemplate, Template[]>()
  for (const name of PAGE_TEMPLATES) {
    const file = `${name}.liquid`
    const source = sources[file]
    if (source === undefined) throw new Error(`page template ${file} is missing`)
    try {
      parsed.set(name, engine.parse(source, file))
    } catch (error) {
      throw new Error(`page template ${file}: ${(error as Error).message}`)
    }
  }
  return {
    render(template, view, messages) {
      return engine.renderSync(parsed.get(template)!, view, { globals: { messages } }) as string
    },
  }
}

function liquidFiles(directory: string): string[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith('.liquid'))
    .sort()
}
