import type { TokenBook } from './tokens.ts'
import type { FakeAccountActions, FakeClient, SignSetInput } from './types.ts'
import type { UserDirectory } from './users.ts'

const EVENT = 'https://schemas.accounts.firefox.com/event/'

export interface AccountDeps {
  readonly users: UserDirectory
  readonly tokens: TokenBook
  readonly clients: ReadonlyMap<string, FakeClient>
  readonly signSet: (input: SignSetInput) => Promise<string>
  readonly clock: () => number
}

/**
 * What an account's owner does in FxA's settings, with the effects FxA has on tokens and the
 * Security Event Token it then sends. FxA has no event for a disconnection: a relying party only
 * notices when the refresh grant is refused.
 */
export function createAccountActions(deps: AccountDeps): FakeAccountActions {
  const { users, tokens, clients } = deps

  function userOf(uid: string) {
    const user = users.users.get(uid)
    if (user === undefined) throw new TypeError(`fake FxA: unknown user ${uid}`)
    return user
  }

  const event = (uid: string, name: string, payload: Record<string, unknown>, aud?: string) =>
    deps.signSet({
      sub: uid,
      events: { [`${EVENT}${name}`]: payload },
      ...(aud === undefined ? {} : { aud }),
    })

  return {
    async changePassword(uid, options = {}) {
      userOf(uid)
      const changeTime = deps.clock()
      users.passwordChanged(uid, changeTime)
      // FxA's removePublicAndCanGrantTokens: a confidential client's tokens outlive the change.
      await tokens.revokeUserGrants(uid, (clientId) => {
        const client = clients.get(clientId)
        return client === undefined || client.clientSecret === undefined || client.canGrant === true
      })
      return { changeTime, set: await event(uid, 'password-change', { changeTime }, options.aud) }
    },

    disconnect(uid, clientId) {
      userOf(uid)
      return tokens.revokeUserGrants(uid, (owner) => clientId === undefined || owner === clientId)
    },

    async changeProfile(uid, patch, options = {}) {
      const user = userOf(uid)
      const before = user.email
      Object.assign(user, patch)
      // FxA's profile-change carries the new primary email, or nothing at all.
      const payload = user.email === before ? {} : { email: user.email }
      return event(uid, 'profile-change', payload, options.aud)
    },

    async setMetricsEnabled(uid, enabled, options = {}) {
      userOf(uid).metricsEnabled = enabled
      return event(uid, enabled ? 'metrics-opt-in' : 'metrics-opt-out', {}, options.aud)
    },

    async changeSubscription(uid, change, options = {}) {
      const user = userOf(uid)
      const current = Array.isArray(user.subscriptions)
        ? user.subscriptions
        : (user.subscriptions?.['*'] ?? [])
      const next = change.isActive
        ? [...new Set([...current, ...change.capabilities])]
        : current.filter((capability) => !change.capabilities.includes(capability))
      user.subscriptions =
        Array.isArray(user.subscriptions) || user.subscriptions === undefined
          ? next
          : { ...user.subscriptions, '*': next }
      const payload = { ...change, changeTime: deps.clock() }
      return event(uid, 'subscription-state-change', payload, options.aud)
    },

    async deleteUser(uid, options = {}) {
      userOf(uid)
      await tokens.revokeUserGrants(uid, () => true)
      users.remove(uid)
      return event(uid, 'delete-user', {}, options.aud)
    },
  }
}
