import { Cluster, type Redis } from 'ioredis'
import { createMemoryTokenStore, createRedisTokenStore, type TokenStore } from '../bearer/token-store.ts'
import type { Config } from '../config/derive.ts'
import { createMemoryEventState, type EventStateStore } from '../events/event-state.ts'
import { createRedisEventState } from '../events/redis-event-state.ts'
import { createMemoryNodeStore } from '../nodes/memory-node-store.ts'
import { createRedisNodeStore } from '../nodes/redis-node-store.ts'
import type { NodeStore } from '../nodes/types.ts'
import type { Logger } from '../observability/logger.ts'
import { createMemorySessionStore } from './memory-store.ts'
import { createRedis, createSubscriber, parseRedisUrl } from './redis-client.ts'
import { createRedisSessionStore } from './redis-store.ts'
import type { SessionStore } from './types.ts'

export interface Stores {
  readonly sessions: SessionStore
  readonly tokens: TokenStore
  /** What account events remember (processed event ids, change times). */
  readonly events: EventStateStore
  /** The services' node assignments. */
  readonly nodes: NodeStore
  /** The Redis client the stores share, when there is one (the active-session count uses it). */
  readonly redis?: Redis | Cluster
  /** A rotated FXA_GATE_REDIS_PASSWORD: used from the next (re)connection on; open ones stay authenticated. */
  usePassword?(password: string | undefined): void
  close(): Promise<void>
}

/** ioredis reads the password from its options on every connect. */
function setPassword(client: Redis | Cluster, password: string | undefined): void {
  if (client instanceof Cluster) {
    client.options.redisOptions = { ...client.options.redisOptions, password }
    for (const node of client.nodes('all')) node.options.password = password
  } else {
    client.options.password = password
  }
}

/**
 * The configured stores, sharing one Redis connection (and one subscriber) when a URL is given,
 * else in memory (a single replica only).
 */
export function openStores(config: Config, logger: Logger): Stores {
  if (config.redisUrl === undefined) {
    logger.warn(
      'sessions are kept in memory: they are not shared between replicas and are lost on restart; set FXA_GATE_REDIS_URL for production',
    )
    const sessions = createMemorySessionStore({})
    return {
      sessions,
      tokens: createMemoryTokenStore(),
      events: createMemoryEventState(),
      nodes: createMemoryNodeStore(),
      close: () => sessions.close(),
    }
  }
  const redis = createRedis({ url: config.redisUrl, password: config.redisPassword, logger })
  const subscriber = createSubscriber(redis)
  const tokenSubscriber = createSubscriber(redis)
  const sessions = createRedisSessionStore({ redis, subscriber, keyPrefix: config.redisKeyPrefix })
  const nodeSubscriber = createSubscriber(redis)
  const nodes = createRedisNodeStore({ redis, subscriber: nodeSubscriber, keyPrefix: config.redisKeyPrefix })
  return {
    sessions,
    tokens: createRedisTokenStore({ redis, subscriber: tokenSubscriber, keyPrefix: config.redisKeyPrefix }),
    events: createRedisEventState({ redis, keyPrefix: config.redisKeyPrefix }),
    nodes,
    redis,
    usePassword(password) {
      // A password in the URL wins, as at start-up.
      if (parseRedisUrl(config.redisUrl!).password !== undefined) return
      for (const client of [redis, subscriber, tokenSubscriber, nodeSubscriber]) setPassword(client, password)
    },
    async close() {
      await nodes.close()
      await sessions.close()
      tokenSubscriber.disconnect()
    },
  }
}
