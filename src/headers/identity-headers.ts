import type { Identity } from '../identity/identity.ts'

/**
 * Header values are printable ASCII only. Anything else (non-ASCII names, CR/LF, controls) and the
 * `%` sign itself are percent-encoded as UTF-8, so `decodeURIComponent(value)` always gives back
 * the original and no value can split a header or smuggle bytes.
 */
export function encodeHeaderValue(value: string): string {
  return /^[\x20-\x24\x26-\x7e]*$/.test(value)
    ? value
    : value.replace(/[^\x20-\x24\x26-\x7e]/gu, (char) => encodeURIComponent(char))
}

/** A list item, with the list's comma encoded too so that `split(',')` gives the items back. */
function encodeListItem(value: string): string {
  return encodeHeaderValue(value).replaceAll(',', '%2C')
}

export interface IdentityHeaders {
  /** Every header name fxa-gate writes, lower-case (e.g. for Envoy's headers-to-remove). */
  readonly names: readonly string[]
  /** The signed identity assertion's header (`<prefix>Assertion`), lower-case. */
  readonly assertion: string
  /** The user's node for the service (`<prefix>Node`), lower-case: what an ingress routes by. */
  readonly node: string
  /** The headers describing an identity; none for an anonymous request on a public route. */
  headersFor(identity: Identity | null): Record<string, string>
}

/** Compiles the header names once from the configured prefix (default `X-User-`). */
export function compileIdentityHeaders(prefix: string): IdentityHeaders {
  const name = (suffix: string) => `${prefix}${suffix}`.toLowerCase()
  const id = name('Id')
  const email = name('Email')
  const displayName = name('Name')
  const locale = name('Locale')
  const subscriptions = name('Subscriptions')
  const scopes = name('Scopes')
  const auth = name('Auth')
  const metricsEnabled = name('Metrics-Enabled')
  const groups = name('Groups')
  const assertion = name('Assertion')
  const node = name('Node')
  const names = [
    id,
    email,
    displayName,
    locale,
    subscriptions,
    scopes,
    auth,
    metricsEnabled,
    groups,
    assertion,
    node,
    'x-auth-request-user',
    'x-auth-request-email',
  ]
  const computed = new WeakMap<Identity, Record<string, string>>()
  return {
    names,
    assertion,
    node,
    headersFor(identity) {
      if (identity === null) return {}
      const known = computed.get(identity)
      if (known !== undefined) return known
      const headers: Record<string, string> = {
        [id]: encodeHeaderValue(identity.uid),
        [auth]: identity.auth,
        [subscriptions]: encodeHeaderValue(identity.subscriptions.join(',')),
        [scopes]: encodeHeaderValue(identity.scopes.join(' ')),
        'x-auth-request-user': encodeHeaderValue(identity.uid),
      }
      if (identity.email !== null) {
        headers[email] = encodeHeaderValue(identity.email)
        headers['x-auth-request-email'] = headers[email]
      }
      if (identity.displayName !== null) headers[displayName] = encodeHeaderValue(identity.displayName)
      if (identity.locale !== null) headers[locale] = encodeHeaderValue(identity.locale)
      // Absent means unknown; services bound by FxA's rules treat only `true` as consent.
      if (identity.metricsEnabled !== undefined) headers[metricsEnabled] = String(identity.metricsEnabled)
      if (identity.groups !== undefined && identity.groups.length > 0)
        headers[groups] = identity.groups.map(encodeListItem).join(',')
      computed.set(identity, Object.freeze(headers))
      return headers
    },
  }
}
