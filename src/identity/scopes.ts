/**
 * FxA's hierarchical scopes (fxa-shared `oauth/scopes`, and "Scope Matching and Implication" in
 * FxA's OAuth reference). A granted scope implies a required one when it is more general:
 * - short names split on `:`: `profile` implies `profile:email`; a `:write` scope implies its
 *   read-only form and every sub-scope, read or write; a read scope never implies a write one;
 * - `https://` URL scopes: a parent resource implies its children (`…/apps/oldsync` implies
 *   `…/apps/oldsync/bookmarks`); a fragment (`#read`) narrows, so `…/oldsync` implies
 *   `…/oldsync#read` but `…/oldsync#read` does not imply `…/oldsync`.
 * A value that is not a valid FxA scope (another provider's) implies, and is implied by, itself only.
 *
 * As in FxA, a scope is reduced to the finite list of values that imply it (its implicants); then
 * "granted implies required" is a lookup of each implicant among the granted values.
 */

// RFC 6749 §3.3 scope characters.
const SCOPE_CHARACTERS = /^[\x21\x23-\x5b\x5d-\x7e]+$/
const SHORT_NAME = /^[A-Za-z0-9_]+$/
const FRAGMENT = /^#[A-Za-z0-9_]+$/
/** Far more than any real scope has (`profile:email:write` has three); bounds the work per value. */
const MAX_COMPONENTS = 32
const MAX_LENGTH = 1024

function shortImplicants(value: string): string[] | undefined {
  const names = value.split(':', MAX_COMPONENTS + 1)
  if (names.length > MAX_COMPONENTS || !names.every((name) => SHORT_NAME.test(name))) return undefined
  const write = names.at(-1) === 'write'
  if (write) {
    names.pop()
    if (names.length === 0) return undefined
  }
  const implicants: string[] = []
  for (let length = names.length; length > 0; length--) {
    const prefix = names.slice(0, length).join(':')
    implicants.push(`${prefix}:write`)
    // A bare `write` is no scope (FxA refuses it), so holding one grants nothing.
    if (!write && prefix !== 'write') implicants.push(prefix)
  }
  return implicants
}

function urlImplicants(value: string): string[] | undefined {
  if (!URL.canParse(value)) return undefined
  const url = new URL(value)
  if (url.protocol !== 'https:' || url.username || url.password || url.search) return undefined
  if (url.pathname === '' || url.pathname.endsWith('/')) return undefined
  if (url.hash !== '' && !FRAGMENT.test(url.hash)) return undefined
  // Only canonical URLs: `…/a/../b`, upper-case hosts or default ports would compare differently.
  if (url.href !== value) return undefined
  const parts = url.pathname.split('/')
  if (parts.length > MAX_COMPONENTS + 1) return undefined
  const implicants: string[] = []
  for (let length = parts.length; length > 1; length--) {
    const parent = `${url.origin}${parts.slice(0, length).join('/')}`
    implicants.push(parent)
    if (url.hash !== '') implicants.push(`${parent}${url.hash}`)
  }
  return implicants
}

/** Whether a value is a scope by FxA's rules (short name or canonical https URL). */
export function isFxaScope(value: string): boolean {
  return parseImplicants(value) !== undefined
}

function parseImplicants(value: string): string[] | undefined {
  if (value.length > MAX_LENGTH || !SCOPE_CHARACTERS.test(value)) return undefined
  return value.startsWith('https:') ? urlImplicants(value) : shortImplicants(value)
}

/**
 * Every scope value that implies `scope`, itself included (its implicants). Compute it once per
 * required scope (at start-up), then test grants with {@link grantedImplies}.
 */
export function scopeImplicants(scope: string): readonly string[] {
  return parseImplicants(scope) ?? [scope]
}

/** Whether some granted scope implies the scope whose implicants are given. */
export function grantedImplies(granted: readonly string[], implicants: readonly string[]): boolean {
  for (const implicant of implicants) if (granted.includes(implicant)) return true
  return false
}

/** Whether the granted scopes imply every one of `required` (FxA's `ScopeSet.contains`). */
export function scopesContain(granted: readonly string[], required: readonly string[]): boolean {
  return required.every((scope) => grantedImplies(granted, scopeImplicants(scope)))
}
