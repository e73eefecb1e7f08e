import type { Config } from '../config/derive.ts'
import type { Logger } from '../observability/logger.ts'
import { createMemorySessionStore } from './memory-store.ts'
import { createRedis, createSubscriber } from './redis-client.ts'
import { createRedisSessionStore } from './redis-store.ts'
import type { SessionStore } from './types.ts'

/** The configured session store: Redis when a URL is given, else the in-memory store (one replica). */
export function openSessionStore(config: Config, logger: Logger): SessionStore {
  if (config.redisUrl === undefined) {
    logger.warn(
      'sessions are kept in memory: they are not shared between replicas and are lost on restart; set FXA_GATE_REDIS_URL for production',
    )
    return createMemorySessionStore({})
  }
  const redis = createRedis({ url: config.redisUrl, password: config.redisPassword, logger })
  return createRedisSessionStore({ redis, subscriber: createSubscriber(redis), keyPrefix: config.redisKeyPrefix })
}
