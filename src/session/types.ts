/**
 * A session as stored: the identity the services see and the provider's tokens, sealed.
 * Keys are never the session id itself but `sessionKey(id)` (a hash), so a dump of the store
 * cannot be replayed as cookies.
 */
export interface SessionRecord {
  readonly v: 1
  /** FxA uid (OIDC `sub`): the stable user key. Never key on email. */
  readonly uid: string
  readonly email: string | null
  readonly displayName: string | null
  readonly locale: string | null
  readonly avatar: string | null
  /** FxA subscription capabilities of this client. */
  readonly subscriptions: readonly string[]
  readonly scopes: readonly string[]
  /** When the login completed, ms since the epoch. */
  readonly loginAt: number
  /** Absolute deadline, ms since the epoch. No read may extend a session past it. */
  readonly expiresAt: number
  /** Authentication assurance level: 2 when two-step authentication was used. */
  readonly aal: number
  readonly amr: readonly string[]
  /** When the provider last authenticated the user (ms; FxA's `auth_at`, OIDC's `auth_time`). */
  readonly authAt?: number | undefined
  /** Groups from a generic OIDC provider's groups claim. */
  readonly groups?: readonly string[] | undefined
  /** FxA's `metricsEnabled`; absent when the provider did not say. */
  readonly metricsEnabled?: boolean | undefined
  /** When the provider last confirmed the session (ms): a refresh grant, else the login. */
  readonly checkedAt?: number | undefined
  /** Refresh attempts that failed in a row (provider outage); reset by a success. */
  readonly refreshFailures?: number | undefined
  /** The browser that signed in (printable ASCII, ≤ 256 characters), for the user's list of sessions. */
  readonly userAgent?: string | undefined
  /** Its network at login, truncated (`203.0.113.0/24`, `2001:db8:1::/48`): never the full address. */
  readonly ip?: string | undefined
  /** Provider tokens, AES-256-GCM sealed (see crypto/seal.ts). */
  readonly tokens: string
}

/** `base64url(sha256(session id))`: the only form in which a session id reaches the store. */
export type SessionKey = string

/**
 * What a store tells listeners (local caches) about: a session that changed or ended, or `reset`
 * when the store cannot guarantee it delivered every invalidation (subscription lost or
 * re-established): caches must then drop everything.
 */
export type Invalidation = { kind: 'session'; key: SessionKey } | { kind: 'reset' }

/** Storage of sessions. Every implementation passes test/contract/session-store.contract.ts. */
export interface SessionStore {
  /** True when replicas share it (Redis); false for the in-memory store. */
  readonly shared: boolean
  /** Stores a new session, indexed under its user. Idle lifetime runs from now, capped at `expiresAt`. */
  create(key: SessionKey, record: SessionRecord, idleMs: number): Promise<void>
  /** Reads a session and extends its idle lifetime (never past `expiresAt`), in one round trip. */
  get(key: SessionKey, idleMs: number): Promise<SessionRecord | null>
  /** Reads a session without extending it (background work such as account events is not activity). */
  peek(key: SessionKey): Promise<SessionRecord | null>
  /**
   * Reads a session without extending it, with when it ends if no request comes (its idle deadline,
   * never past `expiresAt`): from that, the user's list of sessions tells when each was last used.
   */
  inspect(key: SessionKey): Promise<{ record: SessionRecord; endsAt: number } | null>
  /**
   * Replaces the record of a live session without extending it. False when it is gone — or, with
   * `expect`, when its sealed tokens are no longer `expect.tokens` (someone stored newer ones): a
   * rotated refresh token is never overwritten by an older copy. Durable.
   */
  update(key: SessionKey, record: SessionRecord, expect?: { readonly tokens: string }): Promise<boolean>
  /**
   * Ends a session and returns the record it had (null when there was none). Invalidates caches
   * everywhere. Durable: it resolves only once the store's replicas confirmed it (Redis), and may be
   * retried after a failure (REPLICATION_UNCONFIRMED, STORE_UNAVAILABLE) whether or not it took effect.
   */
  delete(key: SessionKey): Promise<SessionRecord | null>
  /** Keys of the user's live sessions (stale index entries are pruned). */
  listByUser(uid: string): Promise<SessionKey[]>
  /**
   * Ends the user's sessions whose `loginAt` is before `before` (all when absent) and returns their
   * keys. Invalidates caches everywhere. The user index disappears with the last session. Durable
   * and retryable like `delete`.
   */
  deleteByUser(uid: string, before?: number): Promise<SessionKey[]>
  /** Subscribes to invalidations from every replica (including this one). Returns an unsubscribe. */
  onInvalidate(listener: (event: Invalidation) => void): () => void
  /**
   * Whether invalidations are provably being delivered: the pub/sub connection answered a PING
   * within the last second. A cache must not serve while false.
   */
  invalidationsLive(): boolean
  /** Throws GateError STORE_UNAVAILABLE when the store cannot be reached. */
  ping(): Promise<void>
  close(): Promise<void>
}
