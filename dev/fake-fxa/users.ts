import { createHash } from 'node:crypto'
import type { FakeUser } from './types.ts'

/** The accounts the fake knows, keyed by uid. Reads always see the current objects, so tests can edit them. */
export interface UserDirectory {
  readonly users: Map<string, FakeUser>
  byEmail(email: string): FakeUser | undefined
  /** The account for this email, created on the fly (as if the person had signed up) when unknown. */
  signIn(email: string): FakeUser
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

  return { users, byEmail, signIn }
}

/** FxA's authentication facts for a user: what `amr`, `acr` and `fxa-aal` say. */
export function authenticationLevel(user: FakeUser): { amr: string[]; acr: string; aal: number } {
  return user.twoFactor === true
    ? { amr: ['pwd', 'otp'], acr: 'AAL2', aal: 2 }
    : { amr: ['pwd'], acr: 'AAL1', aal: 1 }
}
