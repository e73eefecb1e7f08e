import { z } from 'zod'

/**
 * The largest identity fxa-gate accepts, field by field, in UTF-8 bytes (and items for lists). A
 * profile over any cap is refused at login (PROFILE_TOO_LARGE); a stored record over one is invalid.
 * They bound every identity header (a value is at most three times its bytes once percent-encoded)
 * and every session record, so no profile can make a header or a record large. Documented in the
 * README ("What services receive").
 */
export const IDENTITY_CAPS = {
  uid: { bytes: 255 },
  email: { bytes: 320 },
  displayName: { bytes: 256 },
  locale: { bytes: 128 },
  avatar: { bytes: 2048 },
  subscriptions: { items: 64, bytes: 128 },
  scopes: { items: 64, bytes: 512 },
  amr: { items: 16, bytes: 32 },
  /** A generic OIDC provider's groups claim; the mapping keeps at most these (identity/profile.ts). */
  groups: { items: 100, bytes: 256 },
} as const

type Caps = typeof IDENTITY_CAPS

/** The capped fields of an identity; absent ones are not checked. */
export type CappedFields = {
  readonly [K in keyof Caps]?: Caps[K] extends { items: number } ? readonly string[] : string | null
}

const bytes = (value: string): number => Buffer.byteLength(value, 'utf8')

/** The first field over its cap, described for logs (`displayName: 300 bytes, at most 256`), or undefined. */
export function identityOverCap(fields: CappedFields): string | undefined {
  for (const [name, cap] of Object.entries(IDENTITY_CAPS) as Array<[keyof Caps, Caps[keyof Caps]]>) {
    const value = fields[name]
    if (value === undefined || value === null) continue
    if (typeof value === 'string') {
      if (bytes(value) > cap.bytes) return `${name}: ${bytes(value)} bytes, at most ${cap.bytes}`
      continue
    }
    if ('items' in cap && value.length > cap.items)
      return `${name}: ${value.length} items, at most ${cap.items}`
    const long = value.find((item) => bytes(item) > cap.bytes)
    if (long !== undefined) return `${name}: an item of ${bytes(long)} bytes, at most ${cap.bytes}`
  }
  return undefined
}

/** A string within a field's cap, for stored-record schemas. */
export function cappedText(field: 'uid' | 'email' | 'displayName' | 'locale' | 'avatar') {
  const max = IDENTITY_CAPS[field].bytes
  return z.string().refine((value) => bytes(value) <= max, `over ${max} bytes`)
}

/** A list within a field's caps, for stored-record schemas. */
export function cappedList(field: 'subscriptions' | 'scopes' | 'amr' | 'groups') {
  const cap = IDENTITY_CAPS[field]
  return z
    .array(z.string().refine((value) => bytes(value) <= cap.bytes, `over ${cap.bytes} bytes`))
    .max(cap.items)
}
