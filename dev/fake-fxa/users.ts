import { createHash } from 'node:crypto'
import type { FakeUser } from './types.ts'

/** The accounts the fake knows, keyed by uid. Reads always see the current objects, so tests can edit them. */
export interface UserDirectory {
  readonly users: Map<string, FakeUser>
  byEmail(email: string): FakeUser | undefined
  /** The account for this email, created on the fly (as if the person had signed up) when unknown. */
  signIn(email: string): FakeUser
  /** Records a password change (ms); FxA's `generation` (verifierSetAt) moves to it. */
  passwordChanged(uid: string, at: number): void
  /** The account's generation when a token was made at `at` (ms): its last password change by then. */
  generationAt(uid: string, at: number): number | undefined
  /** Forgets an account (deletion). */
  remove(uid: string): void
}

/** FxA uids are 32 hex chars; deriving them from the email makes them predictable in tests. */
export function uidForEmail(email: string): string {
  return createHash('sha256').update(email).digest('hex').slice(0, 32)
}

export function createUserDirectory(initial: FakeUser[] = []): UserDirectory {
  const users = new Map(initial.map((user) => [user.uid, user]))

  function byEmail(email: string): FakeUser | undefined {
    const wanted = email.toLowerCase()
    for (const user of users.values()) {
      if (user.email.toLowerCase() === wanted) return user
    }
    return undefined
  }

  function signIn(email: string): FakeUser {
    const known = byEmail(email)
    if (known !== undefined) return known
    const user: FakeUser = { uid: uidForEmail(email), email }
    users.set(user.uid, user)
    return user
  }

  const passwordChanges = new Map<string, number[]>()

  return {
    users,
    byEmail,
    signIn,
    passwordChanged(uid, at) {
      passwordChanges.set(uid, [...(passwordChanges.get(uid) ?? []), at])
    },
    generationAt(uid, at) {
      const before = (passwordChanges.get(uid) ?? []).filter((change) => change <= at)
      return before.length === 0 ? undefined : Math.max(...before)
    },
    remove(uid) {
      users.delete(uid)
      passwordChanges.delete(uid)
    },
  }
}

export interface AuthenticationLevel {
  readonly amr: string[]
  readonly acr: string
  readonly aal: number
}

const TWO_STEP: AuthenticationLevel = { amr: ['pwd', 'otp'], acr: 'AAL2', aal: 2 }
const PASSWORD_ONLY: AuthenticationLevel = { amr: ['pwd'], acr: 'AAL1', aal: 1 }

/**
 * How a sign-in of this user authenticates (`amr`, `acr`, `fxa-aal`): two-step for an account that
 * has it on, unless it is set to use it only when the relying party asks (`acr_values=AAL2`).
 */
export function signInLevel(user: FakeUser, aal2Requested: boolean): AuthenticationLevel {
  if (user.twoFactor !== true) return PASSWORD_ONLY
  return user.twoFactorWhen === 'when-asked' && !aal2Requested ? PASSWORD_ONLY : TWO_STEP
}

/** The account's own facts for the profile (`amrValues`): what it can do, not how a grant was made. */
export function accountLevel(user: FakeUser): AuthenticationLevel {
  return user.twoFactor === true ? TWO_STEP : PASSWORD_ONLY
}

/** The subscription capabilities the profile shows this client (FxA maps products to client ids). */
export function capabilitiesFor(user: FakeUser, clientId: string): string[] {
  const subscriptions = user.subscriptions
  if (subscriptions === undefined) return []
  if (Array.isArray(subscriptions)) return [...subscriptions]
  return [...new Set([...(subscriptions['*'] ?? []), ...(subscriptions[clientId] ?? [])])]
}
