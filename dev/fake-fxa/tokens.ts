import { createHash } from 'node:crypto'
import type { AccessToken, default as Provider, RefreshToken } from 'oidc-provider'
import type { MemoryStore } from './memory-store.ts'
import type { FakeUser, IssueAccessTokenInput } from './types.ts'
import type { UserDirectory } from './users.ts'

export type TokenKind = 'access_token' | 'refresh_token'

export type TokenLookup =
  | { state: 'active'; type: 'access_token'; token: AccessToken; grantId: string; user: FakeUser }
  | { state: 'active'; type: 'refresh_token'; token: RefreshToken; grantId: string; user: FakeUser }
  | { state: 'expired' }
  | { state: 'unknown' }

/** FxA names a token by the SHA-256 of its value (introspection `jti`, `refresh_token_id`). */
export function tokenId(value: string): string {
  return createHash('sha256').update(value).digest('hex')
}

/** What FxA's token-checking routes and account actions need to know about opaque tokens. */
export interface TokenBook {
  /** The first token of the given kinds with this value, as it stands now. */
  lookUp(value: string, kinds: readonly TokenKind[]): Promise<TokenLookup>
  /** The refresh token whose FxA id (sha256 hex of its value) this is. */
  refreshTokenById(id: string): string | undefined
  /** When a token was created, in ms (FxA's `iat` has millisecond precision; oidc-provider's has seconds). */
  createdAt(token: AccessToken | RefreshToken): number
  /** Revoke one access token. */
  revokeAccessToken(token: AccessToken): Promise<void>
  /** Revoke a refresh token with its whole grant, so the access tokens minted with it die too. */
  revokeGrant(grantId: string): Promise<void>
  /** Revokes every grant (refresh and access tokens) of the user whose client matches; returns how many. */
  revokeUserGrants(uid: string, clientMatches: (clientId: string) => boolean): Promise<number>
  /** Refresh tokens still usable, optionally of one user and/or client. */
  liveRefreshTokens(filter?: { uid?: string; clientId?: string }): number
  issueAccessToken(input: IssueAccessTokenInput): Promise<string>
  issueRefreshToken(input: IssueAccessTokenInput): Promise<string>
}

export function createTokenBook(provider: Provider, store: MemoryStore, users: UserDirectory): TokenBook {
  const refreshTokensById = new Map<string, string>()
  const created = new Map<string, number>()
  const remember = (token: { jti: string }) => {
    if (!created.has(token.jti)) created.set(token.jti, Date.now())
  }
  provider.on('refresh_token.saved', (token) => {
    refreshTokensById.set(tokenId(token.jti), token.jti)
    remember(token)
  })
  provider.on('access_token.saved', remember)

  async function find(value: string, type: TokenKind) {
    const options = { ignoreExpiration: true }
    return type === 'access_token'
      ? { type, token: await provider.AccessToken.find(value, options) }
      : { type, token: await provider.RefreshToken.find(value, options) }
  }

  async function lookUp(value: string, kinds: readonly TokenKind[]): Promise<TokenLookup> {
    for (const kind of kinds) {
      const found = await find(value, kind)
      if (found.token === undefined) continue
      if (found.token.isExpired) return { state: 'expired' }
      if (found.type === 'refresh_token' && found.token.consumed) return { state: 'unknown' }
      const { grantId, accountId } = found.token
      const grant = grantId === undefined ? undefined : await provider.Grant.find(grantId)
      const user = users.users.get(accountId)
      if (grantId === undefined || grant === undefined || user === undefined) return { state: 'unknown' }
      return found.type === 'access_token'
        ? { state: 'active', type: found.type, token: found.token, grantId, user }
        : { state: 'active', type: found.type, token: found.token, grantId, user }
    }
    return { state: 'unknown' }
  }

  async function revokeGrant(grantId: string): Promise<void> {
    store.revokeByGrantId(grantId)
    const grant = await provider.Grant.find(grantId)
    await grant?.destroy()
  }

  function grantsOf(uid: string, clientMatches: (clientId: string) => boolean): Set<string> {
    const grants = new Set<string>()
    for (const model of ['AccessToken', 'RefreshToken']) {
      for (const { payload } of store.live(model)) {
        if (payload.accountId === uid && clientMatches(String(payload.clientId)) && payload.grantId)
          grants.add(payload.grantId)
      }
    }
    return grants
  }

  async function grantFor(input: IssueAccessTokenInput) {
    const client = await provider.Client.find(input.clientId)
    if (client === undefined) throw new TypeError(`fake FxA: unknown client ${input.clientId}`)
    if (!users.users.has(input.uid)) throw new TypeError(`fake FxA: unknown user ${input.uid}`)
    const grant = new provider.Grant({ accountId: input.uid, clientId: input.clientId })
    grant.addOIDCScope(input.scope)
    return { client, grantId: await grant.save() }
  }

  return {
    lookUp,
    refreshTokenById: (id) => refreshTokensById.get(id),
    createdAt: (token) => created.get(token.jti) ?? token.iat * 1000,
    revokeAccessToken: (token) => token.destroy(),
    revokeGrant,
    async revokeUserGrants(uid, clientMatches) {
      const grants = grantsOf(uid, clientMatches)
      for (const grantId of grants) await revokeGrant(grantId)
      return grants.size
    },
    liveRefreshTokens(filter = {}) {
      return store
        .live('RefreshToken')
        .filter(
          ({ payload }) =>
            !payload.consumed &&
            (filter.uid === undefined || payload.accountId === filter.uid) &&
            (filter.clientId === undefined || payload.clientId === filter.clientId),
        ).length
    },
    async issueAccessToken(input) {
      const { client, grantId } = await grantFor(input)
      const token = new provider.AccessToken({
        accountId: input.uid,
        client,
        grantId,
        gty: 'authorization_code',
        scope: input.scope,
        ...(input.ttlSeconds === undefined ? {} : { expiresIn: input.ttlSeconds }),
      })
      return token.save()
    },
    async issueRefreshToken(input) {
      const { client, grantId } = await grantFor(input)
      const token = new provider.RefreshToken({
        accountId: input.uid,
        client,
        grantId,
        gty: 'authorization_code',
        scope: input.scope,
      })
      return token.save()
    },
  }
}
