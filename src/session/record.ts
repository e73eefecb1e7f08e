import { z } from 'zod'
import type { Keyring } from '../crypto/keyring.ts'
import { recordMac, verifyRecordMac } from '../crypto/record-mac.ts'
import { cappedList, cappedText } from '../identity/caps.ts'
import { MAX_USER_AGENT } from '../user-sessions/client-facts.ts'
import type { SessionKey, SessionRecord } from './types.ts'

/** A stored session record, field by field, within the identity caps. Anything else is invalid. */
export const sessionRecordSchema = z
  .object({
    v: z.literal(1),
    uid: cappedText('uid').min(1),
    email: cappedText('email').nullable(),
    displayName: cappedText('displayName').nullable(),
    locale: cappedText('locale').nullable(),
    avatar: cappedText('avatar').nullable(),
    subscriptions: cappedList('subscriptions'),
    scopes: cappedList('scopes'),
    loginAt: z.number().int().nonnegative(),
    expiresAt: z.number().int().positive(),
    aal: z.number().int().min(0).max(3),
    amr: cappedList('amr'),
    // What a login remembers of the browser (user-sessions/client-facts.ts): printable ASCII, and
    // the network only (`203.0.113.0/24`, `2001:db8:1::/48`), never a full address.
    userAgent: z
      .string()
      .max(MAX_USER_AGENT)
      .regex(/^[\x20-\x7e]*$/)
      .optional(),
    ip: z
      .string()
      .max(64)
      .regex(/^[0-9a-f.:]+\/(24|48)$/)
      .optional(),
    // Sessions follow the account (#12): what the provider said, and when it was last asked.
    authAt: z.number().int().nonnegative().optional(),
    groups: cappedList('groups').optional(),
    metricsEnabled: z.boolean().optional(),
    checkedAt: z.number().int().nonnegative().optional(),
    refreshFailures: z.number().int().nonnegative().max(1_000_000).optional(),
    tokens: z.string().max(16_384),
  })
  .strict()

// The schema accepts exactly a SessionRecord's fields, both ways: this fails to compile when they
// drift apart (a field added to the record but not here would make every new session invalid data).
const _accepts: z.infer<typeof sessionRecordSchema> extends SessionRecord ? true : never = true
const _covers: Exclude<keyof SessionRecord, keyof z.infer<typeof sessionRecordSchema>> extends never
  ? true
  : never = true
void _accepts
void _covers

export type OpenedRecord =
  | { readonly ok: true; readonly record: SessionRecord }
  | { readonly ok: false; readonly problem: 'unparsable' | 'schema' | 'mac' }

/**
 * Session records as Redis holds them: JSON and a MAC under a key derived from the cookie secrets
 * (rotation-aware: the first secret signs, all verify), bound to the session's key. Whoever can
 * write to Redis but does not hold the secrets cannot forge an identity, move one record under
 * another session, or edit a field.
 */
export interface RecordCodec {
  seal(key: SessionKey, record: SessionRecord): { readonly json: string; readonly mac: string }
  open(key: SessionKey, json: string, mac: string): OpenedRecord
}

/** `keyring` may be a function: it is then read on every use, so a secret rotation applies at once. */
export function createRecordCodec(keyring: Keyring | (() => Keyring)): RecordCodec {
  const keys = typeof keyring === 'function' ? keyring : () => keyring
  return {
    seal(key, record) {
      const json = JSON.stringify(record)
      return { json, mac: recordMac(keys(), key, json) }
    },
    open(key, json, mac) {
      if (!verifyRecordMac(keys(), key, json, mac)) return { ok: false, problem: 'mac' }
      let value: unknown
      try {
        value = JSON.parse(json)
      } catch {
        return { ok: false, problem: 'unparsable' }
      }
      const parsed = sessionRecordSchema.safeParse(value)
      return parsed.success
        ? { ok: true, record: parsed.data as SessionRecord }
        : { ok: false, problem: 'schema' }
    },
  }
}
