import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis'
import { parseRedisUrl, type RedisTarget } from './redis-url.ts'

export { parseRedisUrl, type RedisNodeAddress, type RedisTarget, redactRedisUrl } from './redis-url.ts'

export interface RedisLogger {
  warn(obj: object, msg: string): void
}

export interface CreateRedisOptions {
  url: string
  /** Used when the URL carries no password. */
  password?: string
  logger?: RedisLogger
}

function backoff(times: number): number {
  return Math.min(50 * 2 ** Math.min(times - 1, 6), 2000) + Math.floor(Math.random() * 100)
}

/**
 * Settings for an auth proxy: a command fails fast (no offline queue, 1 s timeout, one retry) so a
 * request gets a 503 instead of hanging, while the connection itself is retried forever.
 */
const COMMAND_TIMEOUT_MS = 1000
const connectionDefaults = {
  commandTimeout: COMMAND_TIMEOUT_MS,
  connectTimeout: 2000,
  maxRetriesPerRequest: 1,
  autoResendUnfulfilledCommands: false,
  keepAlive: 10_000,
  connectionName: 'fxa-gate',
} satisfies RedisOptions

interface ClientOrigin {
  readonly target: RedisTarget
  readonly password: string | undefined
  readonly logger: RedisLogger | undefined
}
const origins = new WeakMap<Redis | Cluster, ClientOrigin>()

/**
 * Creates the Redis client (standalone, Sentinel or Cluster) for `redisUrl`. Connects right away and
 * reconnects forever; commands issued while disconnected reject at once.
 */
export function createRedis(options: CreateRedisOptions): Redis | Cluster {
  const target = parseRedisUrl(options.url)
  const password = target.password ?? options.password
  const auth = { username: target.username, password }
  const tls = target.tls ? {} : undefined
  let client: Redis | Cluster
  if (target.kind === 'cluster') {
    client = new Cluster([...target.nodes], {
      ...clusterOptions(),
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      redisOptions: { ...connectionDefaults, ...auth, tls },
      // With TLS the certificate names the host, not the resolved address.
      ...(tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
    } satisfies ClusterOptions)
  } else {
    client = new Redis({
      ...connectionDefaults,
      ...auth,
      ...topologyOptions(target, tls),
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      retryStrategy: backoff,
    })
  }
  origins.set(client, { target, password, logger: options.logger })
  watch(client, target, options.logger)
  return client
}

/**
 * A second connection for pub/sub. Its offline queue is on and its commands wait for the connection,
 * so a subscription issued while Redis is away is made when it returns. For a cluster it is a plain
 * connection to one node (classic pub/sub reaches every node), rotated through the known nodes on
 * reconnect, so that losing it is visible as `close`/`ready` events.
 */
export function createSubscriber(base: Redis | Cluster): Redis {
  const origin = origins.get(base)
  const subscriberDefaults = {
    enableOfflineQueue: true,
    enableAutoPipelining: false,
    maxRetriesPerRequest: null,
    commandTimeout: undefined,
    connectionName: 'fxa-gate:sub',
  } satisfies RedisOptions
  if (base instanceof Redis) {
    const subscriber = base.duplicate(subscriberDefaults)
    if (origin) watch(subscriber, origin.target, origin.logger)
    return subscriber
  }
  if (origin?.target.kind !== 'cluster') {
    throw new TypeError('createSubscriber needs a client made by createRedis')
  }
  const { target } = origin
  const seeds = target.nodes
  const first = seeds[0]!
  const subscriber: Redis = new Redis({
    ...connectionDefaults,
    ...subscriberDefaults,
    host: first.host,
    port: first.port,
    username: target.username,
    password: origin.password,
    tls: target.tls ? {} : undefined,
    retryStrategy(times) {
      // The connector reads host and port from these options on every connect.
      const known = [
        ...seeds,
        ...base.nodes('all').map((node) => ({ host: node.options.host!, port: node.options.port! })),
      ]
      const next = known[times % known.length]!
      subscriber.options.host = next.host
      subscriber.options.port = next.port
      return backoff(times)
    },
  })
  watch(subscriber, target, origin.logger)
  return subscriber
}

/**
 * Resolves once `client` is ready for commands (they fail fast before that), or rejects with the
 * last connection error after `timeoutMs`.
 */
export async function whenReady(client: Redis | Cluster, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return
  let lastError: Error | undefined
  const onError = (error: Error): void => {
    lastError = error
  }
  client.on('error', onError)
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.off('ready', onReady)
        reject(new Error(`Redis not ready after ${timeoutMs} ms${lastError ? `: ${lastError.message}` : ''}`))
      }, timeoutMs)
      const onReady = (): void => {
        clearTimeout(timer)
        resolve()
      }
      client.once('ready', onReady)
    })
  } finally {
    client.off('error', onError)
  }
}

function topologyOptions(target: RedisTarget, tls: object | undefined): RedisOptions {
  if (target.kind === 'sentinel') {
    return {
      sentinels: target.sentinels.map(({ host, port }) => ({ host, port })),
      name: target.masterName,
      db: target.db,
      tls,
      enableTLSForSentinelMode: tls !== undefined,
      sentinelTLS: tls,
      sentinelRetryStrategy: backoff,
      sentinelCommandTimeout: COMMAND_TIMEOUT_MS,
      failoverDetector: true,
    }
  }
  if (target.kind === 'standalone')
    return { host: target.node.host, port: target.node.port, db: target.db, tls }
  return {}
}

function clusterOptions(): ClusterOptions {
  return { clusterRetryStrategy: backoff, slotsRefreshTimeout: COMMAND_TIMEOUT_MS }
}

/** Logs the first error of each outage, with the address but never the credentials. */
function watch(client: Redis | Cluster, target: RedisTarget, logger: RedisLogger | undefined): void {
  let reported = false
  client.on('ready', () => {
    reported = false
  })
  client.on('error', (error: Error) => {
    if (reported || !logger) return
    reported = true
    logger.warn(
      { err: { name: error.name, message: error.message }, redis: describe(target) },
      'Redis connection error',
    )
  })
}

function describe(target: RedisTarget): string {
  const nodes =
    target.kind === 'standalone'
      ? [target.node]
      : target.kind === 'sentinel'
        ? target.sentinels
        : target.nodes
  const list = nodes.map(({ host, port }) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`))
  return `${target.kind} ${list.join(',')}${target.kind === 'sentinel' ? `/${target.masterName}` : ''}`
}
