import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Pattern, parse, type Resource } from '@fluent/syntax'
import { describe, expect, it } from 'vitest'
import { SITUATION_MESSAGES } from '../../../src/pages/error-page.ts'
import { BUILT_IN_LOCALES } from '../../../src/pages/l10n.ts'
import { BUILT_IN_TEMPLATES } from '../../../src/pages/templates.ts'

const REQUIRED_LOCALES = ['de', 'en', 'es', 'fr', 'it']
const SOURCES = join(import.meta.dirname, '../../../src')

function resourceOf(locale: string): Resource {
  return parse(readFileSync(join(BUILT_IN_LOCALES, `${locale}.ftl`), 'utf8'), {})
}

/** Message id → the variables its value uses. */
function messagesOf(resource: Resource): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>()
  for (const entry of resource.body) {
    if (entry.type !== 'Message' || entry.value === null) continue
    out.set(entry.id.name, variablesOf(entry.value))
  }
  return out
}

function variablesOf(pattern: Pattern): Set<string> {
  const names = new Set<string>()
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item)
      return
    }
    if (node === null || typeof node !== 'object') return
    const value = node as { type?: string; id?: { name: string } }
    if (value.type === 'VariableReference' && value.id !== undefined) names.add(value.id.name)
    Object.values(node).forEach(walk)
  }
  walk(pattern)
  return names
}

/** Every message id the code and the templates name: `text('id')` and `'id' | t`. */
function messageIdsInSources(): Set<string> {
  const ids = new Set<string>(SITUATION_MESSAGES)
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (/\.(ts|liquid)$/.test(entry.name)) {
        const source = readFileSync(path, 'utf8')
        for (const match of source.matchAll(/\btext\('([a-z][a-z0-9-]*)'/g)) ids.add(match[1]!)
        if (entry.name.endsWith('.liquid'))
          for (const match of source.matchAll(/"([a-z][a-z0-9-]*)" \| t\b/g)) ids.add(match[1]!)
      }
    }
  }
  walk(SOURCES)
  return ids
}

describe('the shipped locales', () => {
  const english = messagesOf(resourceOf('en'))

  it('ship at least English, German, French, Spanish and Italian', () => {
    const shipped = readdirSync(BUILT_IN_LOCALES).map((file) => file.replace(/\.ftl$/, ''))
    expect(shipped).toEqual(expect.arrayContaining(REQUIRED_LOCALES))
  })

  it.each(REQUIRED_LOCALES)('%s parses without a single unreadable entry', (locale) => {
    const junk = resourceOf(locale).body.filter((entry) => entry.type === 'Junk')
    expect(junk.map((entry) => (entry as { content: string }).content)).toEqual([])
  })

  it.each(REQUIRED_LOCALES)('%s has every message English has, and no other', (locale) => {
    const messages = messagesOf(resourceOf(locale))
    expect([...messages.keys()].sort()).toEqual([...english.keys()].sort())
  })

  it.each(REQUIRED_LOCALES)('%s uses the variables English uses in each message', (locale) => {
    const messages = messagesOf(resourceOf(locale))
    for (const [id, variables] of english) {
      expect({ id, variables: [...(messages.get(id) ?? [])].sort() }).toEqual({
        id,
        variables: [...variables].sort(),
      })
    }
  })

  it.each(REQUIRED_LOCALES.filter((locale) => locale !== 'en'))('%s is translated, not copied', (locale) => {
    const messages = resourceOf(locale)
    const english = resourceOf('en')
    const same = messages.body.filter(
      (entry) =>
        entry.type === 'Message' &&
        english.body.some(
          (other) =>
            other.type === 'Message' &&
            other.id.name === entry.id.name &&
            JSON.stringify(other.value) === JSON.stringify(entry.value),
        ),
    )
    // A few messages are the same in every language ("Reference: { $id }" is not).
    expect(same.length).toBeLessThan(3)
  })

  it('has every message the code and the templates name', () => {
    const missing = [...messageIdsInSources()].filter((id) => !english.has(id))
    expect(missing).toEqual([])
    expect(messageIdsInSources().size).toBeGreaterThan(40)
  })

  it('the templates exist beside the locales', () => {
    expect(readdirSync(BUILT_IN_TEMPLATES).sort()).toEqual([
      'layout.liquid',
      'message.liquid',
      'sessions.liquid',
    ])
  })
})
