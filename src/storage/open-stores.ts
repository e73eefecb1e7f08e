import {
  type CredentialMarkStore,
  createMemoryCredentialMarkStore,
  createRedisCredentialMarkStore,
} from '../bearer/credential-marks.ts'
import { createMemoryTokenStore, createRedisTokenStore, type TokenStore } from '../bearer/token-store.ts'
import type { Config } from '../config/derive.ts'
import { deriveKeyring, type Keyring } from '../crypto/keyring.ts'
import { createMemoryEventState, type EventStateStore } from '../events/event-state.ts'
import { createRedisEventState } from '../events/redis-event-state.ts'
import { createMemoryNodeStore } from '../nodes/memory-node-store.ts'
import { createRedisNodeStore } from '../nodes/redis-node-store.ts'
import type { NodeStore } from '../nodes/types.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import { createRecordFaults } from '../redis/faults.ts'
import { openRedisLayer, type RedisLayer } from '../redis/layer.ts'
import { createMemorySessionStore } from '../session/memory-store.ts'
import { createRecordCodec } from '../session/record.ts'
import { createRedisSessionStore } from '../session/redis-store.ts'
import {
  createMemoryRevalidationLocks,
  createRedisRevalidationLocks,
  type RevalidationLocks,
} from '../session/revalidation-lock.ts'
import {
  createMemoryTokenReaperStore,
  createRedisTokenReaperStore,
  type TokenReaperStore,
} from '../session/token-reaper-store.ts'
import type { SessionStore } from '../session/types.ts'

/** Everything fxa-gate keeps: sessions, cached bearer-token results, account-event state. */
export interface Stores {
  readonly sessions: SessionStore
  readonly tokens: TokenStore
  /** What account events remember (processed event ids, change times). */
  readonly events: EventStateStore
  /** Who refreshes which session now (sessions follow the account). */
  readonly locks: RevalidationLocks
  /** Sessions' provider tokens, kept until they are destroyed once the session ended. */
  readonly reaper: TokenReaperStore
  /** Per-user credential high-water marks. */
  readonly marks: CredentialMarkStore
  /** The services' node assignments. */
  readonly nodes: NodeStore
  /** The storage layer the stores share, when there is one (the active-session count uses it too). */
  readonly redis?: RedisLayer
  /** A rotated FXA_GATE_REDIS_PASSWORD: used from the next (re)connection on; open ones stay authenticated. */
  usePassword?(password: string | undefined): void
  close(): Promise<void>
}

/** The keyrings of the MACs on what Redis holds. */
export interface StoreKeys {
  readonly record: Keyring
  readonly tokenCache: Keyring
}

export interface StoresDeps {
  readonly logger: Logger
  readonly metrics: Metrics
  /**
   * The current keyrings (secrets/state.ts), read on every use so that a rotation of the cookie
   * secrets applies to the records' MACs at once; derived once from `config` when absent.
   */
  readonly keys?: (() => StoreKeys) | undefined
}

function fixedKeys(secrets: readonly string[]): () => StoreKeys {
  const keys = {
    record: deriveKeyring(secrets, 'session-record'),
    tokenCache: deriveKeyring(secrets, 'token-cache'),
  }
  return () => keys
}

/**
 * The one factory of the stores: on one storage layer (its connections, pub/sub, deadlines, durable
 * writes) when a Redis URL is configured, else in memory (a single replica only).
 */
export function openStores(config: Config, deps: StoresDeps): Stores {
  const { logger, metrics } = deps
  if (config.redisUrl === undefined) {
    logger.warn(
      'sessions are kept in memory: they are not shared between replicas and are lost on restart; set FXA_GATE_REDIS_URL for production',
    )
    const sessions = createMemorySessionStore({})
    return {
      sessions,
      tokens: createMemoryTokenStore(),
      events: createMemoryEventState(),
      locks: createMemoryRevalidationLocks(),
      reaper: createMemoryTokenReaperStore(),
      marks: createMemoryCredentialMarkStore(),
      nodes: createMemoryNodeStore(),
      close: () => sessions.close(),
    }
  }
  const redis = openRedisLayer({
    url: config.redisUrl,
    password: config.redisPassword,
    sentinelPassword: config.redisSentinelPassword,
    tls: { ca: config.redisCaCert, cert: config.redisClientCert, key: config.redisClientKey },
    commandTimeoutMs: config.redisCommandTimeout,
    waitTimeoutMs: config.redisWaitTimeout,
    waitReplicas: config.redisWaitReplicas,
    keyPrefix: config.redisKeyPrefix,
    faults: createRecordFaults({ logger, metrics }),
    logger,
  })
  const keys = deps.keys ?? fixedKeys(config.cookieSecrets)
  const sessions = createRedisSessionStore({ redis, codec: createRecordCodec(() => keys().record) })
  return {
    sessions,
    tokens: createRedisTokenStore({ redis, keyring: () => keys().tokenCache }),
    events: createRedisEventState({ redis, commandTimeoutMs: config.redisCommandTimeout }),
    locks: createRedisRevalidationLocks({
      redis,
      // No lock outlives the interval (after a check) or the lease (during one, see revalidation.ts).
      longestMs: Math.max(config.sessionRevalidateInterval, config.providerTimeout * 3),
    }),
    reaper: createRedisTokenReaperStore({ redis }),
    marks: createRedisCredentialMarkStore({ redis }),
    nodes: createRedisNodeStore({ redis }),
    redis,
    usePassword: (password) => redis.usePassword(password),
    async close() {
      await sessions.close()
      await redis.close()
    },
  }
}
