import type { FluentVariable } from '@fluent/bundle'
import type { Messages } from './l10n.ts'

/**
 * A sentence of a page, named by its Fluent message id, not yet in a language. Handlers describe
 * pages with these; the page renderer formats them in the language the request negotiated.
 */
export class Text {
  readonly id: string
  readonly args: Readonly<Record<string, TextArg>>
  constructor(id: string, args: Readonly<Record<string, TextArg>> = {}) {
    this.id = id
    this.args = args
  }
}

/** A moment, shown as a date and time in the page's language (UTC). */
export class Moment {
  readonly ms: number
  constructor(ms: number) {
    this.ms = ms
  }
}

/** A moment, shown as "3 minutes ago" in the page's language. */
export class Ago {
  readonly ms: number
  readonly now: number
  constructor(ms: number, now: number) {
    this.ms = ms
    this.now = now
  }
}

/** Names joined the way the page's language says "a, b or c". */
export class AnyOf {
  readonly items: readonly string[]
  constructor(items: readonly string[]) {
    this.items = items
  }
}

export type TextArg = string | number | Text | Moment | Ago | AnyOf

export const text = (id: string, args?: Readonly<Record<string, TextArg>>): Text => new Text(id, args)

/** What every message may use besides its own arguments: the site's and the provider's names. */
export interface CommonArgs {
  readonly site: Text | string
  readonly provider: Text | string
}

/** Formats every Text, Moment and Ago inside a page description (objects and arrays, deeply). */
export function localize(value: unknown, messages: Messages, common: CommonArgs): unknown {
  const shared = {
    site: formatArg(common.site, messages, {}),
    provider: formatArg(common.provider, messages, {}),
  }
  const walk = (item: unknown): unknown => {
    if (item instanceof Text || item instanceof Moment || item instanceof Ago || item instanceof AnyOf)
      return formatArg(item, messages, shared)
    if (Array.isArray(item)) return item.map(walk)
    if (item !== null && typeof item === 'object') {
      return Object.fromEntries(Object.entries(item).map(([key, inner]) => [key, walk(inner)]))
    }
    return item
  }
  return walk(value)
}

function formatArg(arg: TextArg, messages: Messages, shared: Record<string, FluentVariable>): string {
  if (typeof arg === 'string') return arg
  if (typeof arg === 'number') return String(arg)
  if (arg instanceof Moment) return formatMoment(arg.ms, messages.locale)
  if (arg instanceof Ago) return formatAgo(arg, messages.locale)
  if (arg instanceof AnyOf)
    return new Intl.ListFormat(messages.locale, { type: 'disjunction' }).format(arg.items)
  const args: Record<string, FluentVariable> = { ...shared }
  for (const [name, inner] of Object.entries(arg.args)) args[name] = formatArg(inner, messages, shared)
  return messages.format(arg.id, args)
}

function formatMoment(ms: number, locale: string): string {
  const format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })
  return `${format.format(ms)} UTC`
}

const UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600_000],
  ['month', 30 * 24 * 3600_000],
  ['day', 24 * 3600_000],
  ['hour', 3600_000],
  ['minute', 60_000],
]

function formatAgo({ ms, now }: Ago, locale: string): string {
  const elapsed = Math.max(0, now - ms)
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })
  for (const [unit, size] of UNITS) {
    if (elapsed >= size) return format.format(-Math.floor(elapsed / size), unit)
  }
  return format.format(0, 'minute')
}
