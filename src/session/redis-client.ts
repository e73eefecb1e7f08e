import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis'

export interface RedisNodeAddress {
  readonly host: string
  readonly port: number
}

interface Credentials {
  readonly tls: boolean
  readonly username: string | undefined
  readonly password: string | undefined
}

/** Where and how to reach Redis, as read from a `redisUrl`. */
export type RedisTarget =
  | (Credentials & { readonly kind: 'standalone'; readonly node: RedisNodeAddress; readonly db: number })
  | (Credentials & {
      readonly kind: 'sentinel'
      readonly sentinels: readonly RedisNodeAddress[]
      readonly masterName: string
      readonly db: number
    })
  | (Credentials & { readonly kind: 'cluster'; readonly nodes: readonly RedisNodeAddress[] })

export interface RedisLogger {
  warn(obj: object, msg: string): void
}

export interface CreateRedisOptions {
  url: string
  /** Used when the URL carries no password. */
  password?: string
  logger?: RedisLogger
}

const SCHEME = /^(rediss?)(?:\+(sentinel|cluster))?:\/\//i
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)$/

/**
 * Parses `redis://`, `rediss://`, `redis+sentinel://` and `redis+cluster://` URLs (and their `rediss+`
 * TLS forms). Reserved characters in the user name and password must be percent-encoded.
 * Throws a TypeError whose message never contains the credentials.
 */
export function parseRedisUrl(url: string): RedisTarget {
  const scheme = SCHEME.exec(url)
  if (!scheme) throw invalid('expected redis://, rediss://, redis+sentinel:// or redis+cluster://')
  const tls = scheme[1]!.toLowerCase() === 'rediss'
  const topology = scheme[2]?.toLowerCase()
  const rest = url.slice(scheme[0].length)
  if (/[?#]/.test(rest)) throw invalid('query strings and fragments are not supported')

  const slash = rest.indexOf('/', rest.lastIndexOf('@') + 1)
  const authority = slash === -1 ? rest : rest.slice(0, slash)
  const path = slash === -1 ? '' : rest.slice(slash + 1)
  const at = authority.lastIndexOf('@')
  const { username, password } = parseUserInfo(at === -1 ? '' : authority.slice(0, at))
  const credentials = { tls, username, password }
  const hosts = authority.slice(at + 1)
  const segments = path === '' ? [] : path.split('/')

  if (topology === 'sentinel') {
    const [masterName, db, ...extra] = segments
    if (!masterName)
      throw invalid('a sentinel URL needs the master name: redis+sentinel://host:26379/mymaster')
    if (extra.length > 0) throw invalid('unexpected path after the database number')
    return {
      kind: 'sentinel',
      sentinels: parseHosts(hosts, 26379),
      masterName: decode(masterName, 'master name'),
      db: parseDb(db),
      ...credentials,
    }
  }
  if (topology === 'cluster') {
    if (segments.length > 1 || parseDb(segments[0]) !== 0) throw invalid('a cluster has only database 0')
    return { kind: 'cluster', nodes: parseHosts(hosts, 6379), ...credentials }
  }
  const nodes = parseHosts(hosts, 6379)
  if (nodes.length !== 1)
    throw invalid('a redis:// URL names one host; use redis+sentinel:// or redis+cluster://')
  if (segments.length > 1) throw invalid('unexpected path after the database number')
  return { kind: 'standalone', node: nodes[0]!, db: parseDb(segments[0]), ...credentials }
}

/** The URL with its password (or a lone user-info part) replaced by `***`, for logs. */
export function redactRedisUrl(url: string): string {
  const start = url.indexOf('://') + 3
  const at = url.lastIndexOf('@')
  if (start < 3 || at < start) return url
  const userInfo = url.slice(start, at)
  const colon = userInfo.indexOf(':')
  return `${url.slice(0, start)}${colon === -1 ? '' : userInfo.slice(0, colon + 1)}***${url.slice(at)}`
}

function parseUserInfo(userInfo: string): { username: string | undefined; password: string | undefined } {
  if (userInfo === '') return { username: undefined, password: undefined }
  const colon = userInfo.indexOf(':')
  const user = decode(colon === -1 ? userInfo : userInfo.slice(0, colon), 'user name')
  const pass = colon === -1 ? '' : decode(userInfo.slice(colon + 1), 'password')
  return { username: user === '' ? undefined : user, password: pass === '' ? undefined : pass }
}

function parseHosts(hosts: string, defaultPort: number): RedisNodeAddress[] {
  if (hosts === '') throw invalid('no host')
  return hosts.split(',').map((entry) => {
    const match = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(entry)
    const host = match?.[1] ?? ''
    if (!HOST.test(host)) throw invalid(`bad host "${entry}"`)
    const portText = match?.[2]
    const port = portText === undefined ? defaultPort : Number(portText)
    if (portText !== undefined && !/^\d{1,5}$/.test(portText)) throw invalid(`bad port in "${entry}"`)
    if (port < 1 || port > 65535) throw invalid(`bad port in "${entry}"`)
    return { host: host.startsWith('[') ? host.slice(1, -1) : host, port }
  })
}

function parseDb(segment: string | undefined): number {
  if (segment === undefined || segment === '') return 0
  if (!/^\d{1,5}$/.test(segment)) throw invalid('the database must be a number')
  return Number(segment)
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    throw invalid(`bad percent-encoding in the ${what}`)
  }
}

function invalid(reason: string): TypeError {
  return new TypeError(`Invalid Redis URL: ${reason}`)
}

/** Exponential back-off from 50 ms capped at 2 s, with jitter; never gives up. */
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
