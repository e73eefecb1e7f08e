import type { CookieSettings } from '../config/derive.ts'
import type { Keyring } from '../crypto/keyring.ts'
import { seal, unseal } from '../crypto/seal.ts'
import type { UnmetRequirement } from '../decision/decide.ts'
import { clearCookie, readCookie, setCookie } from '../http/cookies.ts'

/** Long enough for nginx's redirect to the sign-in URL, too short to matter later. */
const NOTE_TTL_MS = 60_000
const KINDS = new Set(['email', 'capability', 'scope', 'aal'])

/**
 * ingress-nginx never shows a browser what an auth service answers: a 403 becomes nginx's own
 * page, and only a 401 leads anywhere (`auth-signin`: a redirect to `<prefix>/start?rd=…`). So the
 * nginx endpoint answers a refused navigation with 401 and this note, a sealed cookie saying which
 * requirement failed for which user (the one Set-Cookie nginx passes on). `/start` reads it: the
 * user is already signed in, so instead of a login it answers as the sidecar would (a step-up, the
 * subscription page, the 403 page). The note grants nothing: forged it cannot be, and replayed it
 * only shows its owner the same page again.
 */
export interface DenialNotes {
  /** The Set-Cookie value of a note for this refusal. */
  write(uid: string, unmet: UnmetRequirement, now: number): Promise<string>
  /** The note in a request's cookies, if it is fresh and about this user. */
  read(cookieHeader: string | undefined, uid: string, now: number): Promise<UnmetRequirement | undefined>
  /** The Set-Cookie value that removes the note (it is read once). */
  readonly clear: string
  /** Whether a request carries a note at all. */
  present(cookieHeader: string | undefined): boolean
}

interface Note {
  readonly u: string
  readonly at: number
  readonly unmet: UnmetRequirement
}

/**
 * `keyring` is read at each note, so a rotated secret seals the next one; a note sealed just before
 * opens as long as its secret is still on the list.
 */
export function createDenialNotes(keyring: () => Keyring, cookie: CookieSettings): DenialNotes {
  const name = cookie.deniedName
  return {
    async write(uid, unmet, now) {
      const note: Note = { u: uid, at: now, unmet }
      return setCookie(cookie, name, await seal(keyring(), note), NOTE_TTL_MS)
    },
    async read(cookieHeader, uid, now) {
      const value = readCookie(cookieHeader, name)
      if (value === undefined || value.length > 2048) return undefined
      const note = (await unseal(keyring(), value)) as Partial<Note> | undefined
      if (note === undefined || note === null || typeof note !== 'object') return undefined
      if (note.u !== uid || typeof note.at !== 'number' || now - note.at > NOTE_TTL_MS || note.at > now)
        return undefined
      const unmet = note.unmet as { kind?: unknown } | undefined
      return unmet !== undefined && KINDS.has(String(unmet.kind))
        ? (note.unmet as UnmetRequirement)
        : undefined
    },
    clear: clearCookie(cookie, name),
    present: (cookieHeader) => readCookie(cookieHeader, name) !== undefined,
  }
}
