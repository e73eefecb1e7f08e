import { timingSafeEqual } from 'node:crypto'
import type { Keyring } from '../crypto/keyring.ts'
import { seal, unseal } from '../crypto/seal.ts'

/** A login that was started in this browser and has not come back yet. */
export interface PendingLogin {
  readonly state: string
  /** PKCE verifier, for public clients only. */
  readonly verifier?: string | undefined
  /** The validated return URL. */
  readonly returnTo: string
  readonly startedAt: number
  /** The login asked for two-step authentication (`acr_values=AAL2`): a step-up. */
  readonly stepUp?: true | undefined
  /**
   * A silent login (`prompt=none`) keeps its other parameters, to start the interactive login it
   * falls back to with the same flow. Absent for every other login: only silent ones fall back.
   */
  readonly silent?: { readonly extra: Readonly<Record<string, string>> } | undefined
}

/**
 * Pending logins live in ONE sealed cookie holding at most this many, so logins started in a few
 * tabs at once all complete, and a thousand started logins cannot pile up cookies until the
 * browser's requests are too large (THREATS §5).
 */
const MAX_PENDING = 3

export async function readPending(keyring: Keyring, cookie: string | undefined, now: number, ttlMs: number) {
  if (cookie === undefined || cookie.length > 4096) return []
  const value = await unseal(keyring, cookie)
  if (!Array.isArray(value)) return []
  return value.filter(
    (entry): entry is PendingLogin =>
      typeof entry?.state === 'string' &&
      typeof entry.returnTo === 'string' &&
      typeof entry.startedAt === 'number' &&
      (entry.stepUp === undefined || entry.stepUp === true) &&
      (entry.silent === undefined || isStringRecord(entry.silent?.extra)) &&
      now - entry.startedAt < ttlMs &&
      entry.startedAt <= now,
  )
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).every((item) => typeof item === 'string')
  )
}

/** The cookie value after adding a login: the newest entries are kept. */
export function addPending(
  keyring: Keyring,
  entries: readonly PendingLogin[],
  entry: PendingLogin,
): Promise<string> {
  return seal(keyring, [...entries, entry].slice(-MAX_PENDING))
}

/** Finds the entry for a returned `state` (constant-time comparison) and the entries that remain. */
export function takePending(entries: readonly PendingLogin[], state: string) {
  const given = Buffer.from(state)
  const match = entries.find((entry) => {
    const known = Buffer.from(entry.state)
    return known.length === given.length && timingSafeEqual(known, given)
  })
  return { match, rest: entries.filter((entry) => entry !== match) }
}

export function sealPending(keyring: Keyring, entries: readonly PendingLogin[]): Promise<string> {
  return seal(keyring, entries)
}
