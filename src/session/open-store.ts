import { createMemoryTokenStore, createRedisTokenStore, type TokenStore } from '../bearer/token-store.ts'
import type { Config } from '../config/derive.ts'
import { createMemoryEventState, type EventStateStore } from '../events/event-state.ts'
import { createRedisEventState } from '../events/redis-event-state.ts'
import { createMemoryNodeStore } from '../nodes/memory-node-store.ts'
import { createRedisNodeStore } from '../nodes/redis-node-store.ts'
import type { NodeStore } from '../nodes/types.ts'
import type { Logger } from '../observability/logger.ts'
import { createMemorySessionStore } from './memory-store.ts'
import { createRedis, createSubscriber } from './redis-client.ts'
import { createRedisSessionStore } from './redis-store.ts'
import type { SessionStore } from './types.ts'

export interface Stores {
  readonly sessions: SessionStore
  readonly tokens: TokenStore
  /** What account events remember (processed event ids, change times). */
  readonly events: EventStateStore
  /** The services' node assignments. */
  readonly nodes: NodeStore
  close(): Promise<void>
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
  const nodes = createRedisNodeStore({
    redis,
    subscriber: createSubscriber(redis),
    keyPrefix: config.redisKeyPrefix,
  })
  return {
    sessions,
    tokens: createRedisTokenStore({ redis, subscriber: tokenSubscriber, keyPrefix: config.redisKeyPrefix }),
    events: createRedisEventState({ redis, keyPrefix: config.redisKeyPrefix }),
    nodes,
    async close() {
      await nodes.close()
      await sessions.close()
      tokenSubscriber.disconnect()
    },
  }
}
