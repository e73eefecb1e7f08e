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
