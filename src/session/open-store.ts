import { createMemoryTokenStore, createRedisTokenStore, type TokenStore } from '../bearer/token-store.ts'
import type { Config } from '../config/derive.ts'
import type { Logger } from '../observability/logger.ts'
import { createMemorySessionStore } from './memory-store.ts'
import { createRedis, createSubscriber } from './redis-client.ts'
import { createRedisSessionStore } from './redis-store.ts'
import type { SessionStore } from './types.ts'

export interface Stores {
  readonly sessions: SessionStore
  readonly tokens: TokenStore
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
    return { sessions, tokens: createMemoryTokenStore(), close: () => sessions.close() }
  }
  const redis = createRedis({ url: config.redisUrl, password: config.redisPassword, logger })
  const subscriber = createSubscriber(redis)
  const tokenSubscriber = createSubscriber(redis)
  const sessions = createRedisSessionStore({ redis, subscriber, keyPrefix: config.redisKeyPrefix })
  return {
    sessions,
    tokens: createRedisTokenStore({ redis, subscriber: tokenSubscriber, keyPrefix: config.redisKeyPrefix }),
    async close() {
      await sessions.close()
      tokenSubscriber.disconnect()
    },
  }
}

/** The session store alone (tools that need nothing else). */
export function openSessionStore(config: Config, logger: Logger): SessionStore {
  return openStores(config, logger).sessions
}
