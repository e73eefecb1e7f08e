/**
 * FxA's scope implication, written from the step-by-step algorithm in FxA's OAuth reference
 * ("Scope Matching and Implication") rather than from its implicant tables, so that the gate's own
 * implementation (src/identity/scopes.ts) is checked against an independent one.
 */

const SHORT_NAME = /^[A-Za-z0-9_]+$/

interface UrlScope {
  readonly origin: string
  readonly path: readonly string[]
  readonly fragment: string | undefined
}

function urlScope(value: string): UrlScope | undefined {
  if (!URL.canParse(value)) return undefined
  const url = new URL(value)
  if (url.protocol !== 'https:' || url.username || url.password || url.search || url.href !== value)
    return undefined
  if (url.pathname === '/' || url.pathname.endsWith('/')) return undefined
  if (url.hash !== '' && !/^#[A-Za-z0-9_]+$/.test(url.hash)) return undefined
  return { origin: url.origin, path: url.pathname.split('/').slice(1), fragment: url.hash || undefined }
}

function shortScope(value: string): string[] | undefined {
  const parts = value.split(':')
  if (!parts.every((part) => SHORT_NAME.test(part))) return undefined
  if (parts.length === 1 && parts[0] === 'write') return undefined
  return parts
}

function isPrefix(prefix: readonly string[], of: readonly string[]): boolean {
  return prefix.length <= of.length && prefix.every((part, i) => part === of[i])
}

/** Whether holding scope `a` grants scope `b`. Malformed values imply only themselves. */
export function scopeImplies(a: string, b: string): boolean {
  if (a === b) return true
  if (a.startsWith('https:')) {
    const granted = urlScope(a)
    const wanted = urlScope(b)
    if (granted === undefined || wanted === undefined || granted.origin !== wanted.origin) return false
    if (!isPrefix(granted.path, wanted.path)) return false
    return granted.fragment === undefined || granted.fragment === wanted.fragment
  }
  if (b.startsWith('https:')) return false
  const granted = shortScope(a)
  const wanted = shortScope(b)
  if (granted === undefined || wanted === undefined) return false
  const grantsWrite = granted.at(-1) === 'write'
  if (wanted.at(-1) === 'write' && !grantsWrite) return false
  return isPrefix(grantsWrite ? granted.slice(0, -1) : granted, wanted)
}

/** Whether a space-separated grant covers `scope`. */
export function grantCovers(granted: string | readonly string[], scope: string): boolean {
  const values = typeof granted === 'string' ? granted.split(/\s+/).filter(Boolean) : granted
  return values.some((value) => scopeImplies(value, scope))
}
