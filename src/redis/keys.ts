/**
 * Every key family and pub/sub channel fxa-gate uses in Redis, under the configured prefix. A key is
 * `<prefix><family>:<id>`; the family tags are distinct and none is a prefix of another (with the
 * colon), so keys of two families never collide whatever the id (test/unit/redis/keys.test.ts).
 * Ids are hashes (base64url) or FxA uids; no key is ever a raw session id, token or jti.
 *
 * To add a family (a per-session refresh lock, per-user credential high-water marks, per-service
 * node assignments), add its tag here and a builder below; the store that owns it validates what it
 * reads, like the others.
 */
export const FAMILIES = {
  /** Hash: a session record `r`, its MAC `m`, its deadline `x`; or `e` once ended (tombstone). */
  session: 's',
  /** Set of a user's session keys. */
  userIndex: 'u',
  /** String: a cached bearer-token result (MAC'd JSON), or `dropped`. Keyed by sha256 of the token. */
  token: 't',
  /** Set of the token hashes cached for a user. */
  tokenIndex: 'tu',
  /** String `pending:<lease>` or `done`: an account event claimed or processed. Keyed by sha256 of the jti. */
  eventClaim: 'ej',
  /** Hash: per user, the last change time applied to each event stream. */
  eventUser: 'eu',
  /**
   * HyperLogLog of the session keys used in one minute (id: the minute's number), for
   * `fxa_gate_sessions_active`. The braces are a Cluster hash tag: every minute in one slot, so one
   * PFCOUNT reads them together.
   */
  activeSessions: '{a}',
  /** String: a session's revalidation lock (its lifetime: when the next refresh may come). Keyed by session key. */
  revalidationLock: 'rv',
  /**
   * The token reaper's schedule (id `due`: sorted set of session keys by when to look at them) and
   * sealed tokens (id `tokens`: hash). The braces are a Cluster hash tag: one script moves between them.
   */
  reaper: '{tr}',
  /** String: a user's credential high-water mark (ms). Keyed by sha256 of the uid: it outlives a deletion. */
  credentialMark: 'hw',
  /** Hash: per service (id `{service}`, a hash tag), node URL → state JSON (nodes/redis-scripts.ts). */
  nodeTable: 'nt',
  /** Hash: per service, uid → `<generation> <node URL>`. */
  nodeUsers: 'nu',
  /** Set: per service, the node URLs configuration may no longer add (seeded once, or removed). */
  nodeSeeded: 'ns',
  /** String: per service, the counter that names each added node's generation. */
  nodeGeneration: 'ng',
} as const

export type KeyFamily = keyof typeof FAMILIES

/** Pub/sub channels; a message is one id of the family named. */
export const CHANNELS = {
  /** A session key whose record changed or ended. */
  sessions: 'invalidate',
  /** A uid whose cached token results were dropped. */
  tokens: 'tokens-dropped',
  /** A service whose nodes an operator changed (`fxa-gate nodes`). */
  nodes: 'nodes-changed',
} as const

export type Channel = keyof typeof CHANNELS

export interface RedisKeys {
  readonly prefix: string
  key(family: KeyFamily, id: string): string
  /** The id part of a key of `family`, or undefined when it is not one. */
  idOf(family: KeyFamily, key: string): string | undefined
  /** A SCAN MATCH pattern for every key of `family`. */
  pattern(family: KeyFamily): string
  channel(name: Channel): string
}

export function redisKeys(prefix: string): RedisKeys {
  const head = (family: KeyFamily) => `${prefix}${FAMILIES[family]}:`
  return {
    prefix,
    key: (family, id) => head(family) + id,
    idOf(family, key) {
      const start = head(family)
      return key.startsWith(start) ? key.slice(start.length) : undefined
    },
    pattern: (family) => `${globEscape(head(family))}*`,
    channel: (name) => `${prefix}${CHANNELS[name]}`,
  }
}

/** The prefix is the operator's: its glob characters must match literally in SCAN MATCH. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`)
}
