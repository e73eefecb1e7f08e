import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis'
import { parseRedisUrl, type RedisNodeAddress, type RedisTarget } from './url.ts'

export interface RedisLogger {
  warn(obj: object, msg: string): void
}

/** TLS material beyond what `rediss://` turns on: a private CA, and a client certificate (mTLS). */
export interface RedisTls {
  readonly ca?: string | undefined
  readonly cert?: string | undefined
  readonly key?: string | undefined
}

export interface RedisConnectOptions {
  readonly url: string
  /** Used when the URL carries no password. */
  readonly password?: string | undefined
  /** The Sentinels' own password, when it differs from the master's (`requirepass` on Sentinel). */
  readonly sentinelPassword?: string | undefined
  readonly tls?: RedisTls | undefined
  readonly commandTimeoutMs: number
  /** The longest a WAIT may take; the writer's connection allows for it. */
  readonly waitTimeoutMs: number
  readonly logger?: RedisLogger | undefined
}

/** The three connections fxa-gate keeps to Redis, whatever the topology. */
export interface RedisConnections {
  readonly target: RedisTarget
  /** Commands of the request path (auto-pipelined). */
  readonly commands: Redis | Cluster
  /** Writes confirmed with WAIT: a connection of their own, so that a WAIT never holds up a request. */
  readonly writer: Redis | Cluster
  /** Pub/sub: offline queue on, no command timeout (its liveness is checked with PING, see subscriber.ts). */
  readonly subscriber: Redis
  /**
   * A rotated password (FXA_GATE_REDIS_PASSWORD): used from the next (re)connection of each of the
   * three on; open ones stay authenticated. A password in the URL wins, as at start-up.
   */
  usePassword(password: string | undefined): void
  close(): Promise<void>
}

/** Exponential back-off from 50 ms capped at 2 s, with jitter; never gives up. */
function backoff(times: number): number {
  return Math.min(50 * 2 ** Math.min(times - 1, 6), 2000) + Math.floor(Math.random() * 100)
}

/**
 * Opens the connections for `url` (standalone, Sentinel or Cluster). They connect right away and
 * reconnect forever; commands issued while disconnected fail at once (no offline queue), and a
 * connection that stops answering a pending command is torn down and reopened (`socketTimeout`),
 * so a silently dead connection does not outlive a few command deadlines.
 */
export function openConnections(options: RedisConnectOptions): RedisConnections {
  const target = parseRedisUrl(options.url)
  const password = target.password ?? options.password
  const tls = target.tls ? { ...definedOnly(options.tls ?? {}) } : undefined
  const base = {
    username: target.username,
    password,
    tls,
    connectTimeout: 2000,
    keepAlive: 10_000,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // After a failover the old master answers READONLY: reconnect (Sentinel then names the new one).
    reconnectOnError: (error: Error) => /^READONLY\b/.test(error.message),
  } satisfies RedisOptions
  const waiting = options.commandTimeoutMs + options.waitTimeoutMs
  const commandsOptions = {
    ...base,
    commandTimeout: 2 * waiting,
    socketTimeout: Math.max(2000, 4 * options.commandTimeoutMs),
    connectionName: 'fxa-gate',
  } satisfies RedisOptions
  const writerOptions = {
    ...base,
    commandTimeout: 2 * waiting,
    socketTimeout: Math.max(2000, waiting + 2 * options.commandTimeoutMs),
    connectionName: 'fxa-gate:writer',
  } satisfies RedisOptions

  let commands: Redis | Cluster
  let writer: Redis | Cluster
  if (target.kind === 'cluster') {
    const cluster = (redisOptions: RedisOptions, pipelining: boolean) =>
      new Cluster([...target.nodes], {
        clusterRetryStrategy: backoff,
        slotsRefreshTimeout: options.commandTimeoutMs,
        enableOfflineQueue: false,
        enableAutoPipelining: pipelining,
        redisOptions,
        // With TLS the certificate names the host, not the resolved address.
        ...(tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
      } satisfies ClusterOptions)
    commands = cluster(commandsOptions, true)
    writer = cluster(writerOptions, false)
  } else {
    const topology = topologyOptions(target, tls, options)
    const standalone = (redisOptions: RedisOptions, pipelining: boolean) =>
      new Redis({
        ...redisOptions,
        ...topology,
        enableOfflineQueue: false,
        enableAutoPipelining: pipelining,
        retryStrategy: backoff,
      })
    commands = standalone(commandsOptions, true)
    writer = standalone(writerOptions, false)
  }
  const subscriber = openSubscriber(target, commands, { ...base, password })
  const state = { closing: false }
  for (const client of [commands, writer, subscriber]) watch(client, target, options.logger, state)
  return {
    target,
    commands,
    writer,
    subscriber,
    usePassword(next) {
      if (target.password !== undefined) return
      for (const client of [commands, writer, subscriber]) setPassword(client, next)
    },
    async close() {
      state.closing = true
      await Promise.all([quit(commands), quit(writer), quit(subscriber)])
    },
  }
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
 * The pub/sub connection. Its offline queue is on, so a subscription made while Redis is away is
 * made when it returns. For a cluster it is a plain connection to one node (classic pub/sub reaches
 * every node), moved through the known nodes on reconnect.
 */
function openSubscriber(target: RedisTarget, commands: Redis | Cluster, base: RedisOptions): Redis {
  const subscriberOptions = {
    enableOfflineQueue: true,
    enableAutoPipelining: false,
    maxRetriesPerRequest: null,
    commandTimeout: undefined,
    socketTimeout: undefined,
    connectionName: 'fxa-gate:sub',
  } satisfies RedisOptions
  if (commands instanceof Redis) return commands.duplicate(subscriberOptions)
  if (target.kind !== 'cluster') throw new TypeError('a cluster client needs a cluster URL')
  const seeds: readonly RedisNodeAddress[] = target.nodes
  const subscriber: Redis = new Redis({
    ...base,
    ...subscriberOptions,
    host: seeds[0]!.host,
    port: seeds[0]!.port,
    retryStrategy(times) {
      // The connector reads host and port from these options on every connect.
      const known = [
        ...seeds,
        ...commands.nodes('all').map((node) => ({ host: node.options.host!, port: node.options.port! })),
      ]
      const next = known[times % known.length]!
      subscriber.options.host = next.host
      subscriber.options.port = next.port
      return backoff(times)
    },
  })
  return subscriber
}

function topologyOptions(
  target: RedisTarget,
  tls: object | undefined,
  options: RedisConnectOptions,
): RedisOptions {
  if (target.kind === 'sentinel') {
    return {
      sentinels: target.sentinels.map(({ host, port }) => ({ host, port })),
      name: target.masterName,
      db: target.db,
      enableTLSForSentinelMode: tls !== undefined,
      sentinelTLS: tls,
      sentinelPassword: options.sentinelPassword,
      sentinelRetryStrategy: backoff,
      // Asked only to (re)connect, never on a request's path: a busy Sentinel mid-failover may be slow.
      sentinelCommandTimeout: Math.max(2000, options.commandTimeoutMs),
      // Off: when its +switch-master arrived during a reconnect, ioredis gave the connection up for
      // good. Not needed either: Sentinel kills the clients of a demoted master, and a write that
      // reaches one gets READONLY (reconnectOnError).
      failoverDetector: false,
    }
  }
  if (target.kind === 'standalone') return { host: target.node.host, port: target.node.port, db: target.db }
  return {}
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

/** QUIT, or a hard disconnect when Redis cannot answer in time (a queued QUIT would wait for it). */
async function quit(client: Redis | Cluster): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    client.quit().catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, 1000)
    }),
  ])
  clearTimeout(timer)
  client.disconnect()
}

/**
 * Logs the first error of each outage of a connection, with the address but never the credentials,
 * and reopens a connection that ioredis gave up on (status `end`) unless fxa-gate is closing it:
 * a connection must be retried forever.
 */
function watch(
  client: Redis | Cluster,
  target: RedisTarget,
  logger: RedisLogger | undefined,
  state: { readonly closing: boolean },
): void {
  let reported = false
  client.on('ready', () => {
    reported = false
  })
  client.on('end', () => {
    if (state.closing) return
    setTimeout(() => {
      if (!state.closing && client.status === 'end') client.connect().catch(() => undefined)
    }, 1000).unref()
  })
  client.on('error', (error: Error) => {
    if (reported || !logger) return
    reported = true
    logger.warn(
      { reason: `${error.name}: ${error.message}`.slice(0, 200), redis: describe(target) },
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

function definedOnly(tls: RedisTls): RedisTls {
  return Object.fromEntries(Object.entries(tls).filter(([, value]) => value !== undefined))
}
