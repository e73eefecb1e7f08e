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

/** What FxA's token-checking routes need to know about opaque tokens. */
export interface TokenBook {
  /** The first token of the given kinds with this value, as it stands now. */
  lookUp(value: string, kinds: readonly TokenKind[]): Promise<TokenLookup>
  /** The refresh token whose FxA id (sha256 hex of its value) this is. */
  refreshTokenById(id: string): string | undefined
  /** Revoke one access token. */
  revokeAccessToken(token: AccessToken): Promise<void>
  /** Revoke a refresh token with its whole grant, so the access tokens minted with it die too. */
  revokeGrant(grantId: string): Promise<void>
  issueAccessToken(input: IssueAccessTokenInput): Promise<string>
}

export function createTokenBook(provider: Provider, store: MemoryStore, users: UserDirectory): TokenBook {
  const refreshTokensById = new Map<string, string>()
  provider.on('refresh_token.saved', (token) => refreshTokensById.set(tokenId(token.jti), token.jti))

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

  async function issueAccessToken(input: IssueAccessTokenInput): Promise<string> {
    const client = await provider.Client.find(input.clientId)
    if (client === undefined) throw new TypeError(`fake FxA: unknown client ${input.clientId}`)
    if (!users.users.has(input.uid)) throw new TypeError(`fake FxA: unknown user ${input.uid}`)
    const grant = new provider.Grant({ accountId: input.uid, clientId: input.clientId })
    grant.addOIDCScope(input.scope)
    const grantId = await grant.save()
    const token = new provider.AccessToken({
      accountId: input.uid,
      client,
      grantId,
      gty: 'authorization_code',
      scope: input.scope,
      ...(input.ttlSeconds === undefined ? {} : { expiresIn: input.ttlSeconds }),
    })
    return token.save()
  }

  return {
    lookUp,
    refreshTokenById: (id) => refreshTokensById.get(id),
    revokeAccessToken: (token) => token.destroy(),
    revokeGrant,
    issueAccessToken,
  }
}
