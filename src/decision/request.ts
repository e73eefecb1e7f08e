import { LRUCache } from 'lru-cache'
import { GateError } from '../errors.ts'

/**
 * The request an auth decision is about, parsed and canonicalized once. Rules match `paths`
 * (every plausible reading of the path, see below) and `host`; the decision must hold for all.
 */
export interface RequestDescription {
  readonly method: string
  readonly scheme: 'http' | 'https'
  /** Lower-case, no trailing dot, no default port. */
  readonly host: string
  /** Canonical path: percent-decoded once, dot segments resolved, no query or fragment. */
  readonly path: string
  /**
   * Other readings of the same path that some server behind us might act on (dot segments
   * resolved before decoding, `;params` stripped, `//` collapsed, lower-cased). A request is only
   * as permitted as its least permitted reading.
   */
  readonly paths: readonly string[]
  /** The URL to come back to after login (scheme://host/path?query as the client sent it). */
  readonly url: string
}

const MAX_URL_LENGTH = 8192
const METHOD = /^[A-Za-z]{1,20}$/
const HOST = /^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$/
// Raw request targets: printable ASCII without space, backslash, or a fragment.
const RAW_PATH = /^\/[\x21-\x22\x24-\x5b\x5d-\x7e]*$/

function bad(detail: string): never {
  throw new GateError('BAD_REQUEST', { detail })
}

/** Resolves `.` and `..` segments (RFC 3986 §5.2.4); `..` above the root stays at the root. */
function removeDotSegments(path: string): string {
  const out: string[] = []
  const segments = path.split('/')
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i]!
    const last = i === segments.length - 1
    if (segment === '..') {
      out.pop()
      if (last) out.push('')
    } else if (segment === '.') {
      if (last) out.push('')
    } else {
      out.push(segment)
    }
  }
  return `/${out.join('/')}`
}

function decodeOnce(path: string): string {
  let decoded: string
  try {
    decoded = decodeURIComponent(path)
  } catch {
    bad('malformed percent-encoding or UTF-8 in path')
  }
  // NUL, control characters and backslashes mean different things to different servers.
  if (/[\x00-\x1f\x7f\\]/.test(decoded)) bad('control character or backslash in path')
  // What is still encoded after one decoding is a second layer some server may peel off too.
  if (/%(2e|2f|5c|00|25)/i.test(decoded)) bad('double-encoded path')
  // Segments of three or more dots are read as `..` by some file systems.
  if (/(^|\/)\.{3,}(\/|$)/.test(decoded)) bad('dot-only path segment')
  return decoded
}

/** Canonical host: lower-case, no trailing dot, no port when it is the scheme's default. */
export function canonicalHost(rawHost: string, scheme: 'http' | 'https'): string {
  let url: URL
  try {
    url = new URL(`${scheme}://${rawHost}/`)
  } catch {
    bad('unparseable host')
  }
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) bad('unparseable host')
  const hostname = url.hostname.replace(/\.$/, '')
  if (!hostname || !HOST.test(hostname)) bad('unparseable host')
  return url.port ? `${hostname}:${url.port}` : hostname
}

/**
 * Describes a request from its parts. Throws GateError BAD_REQUEST for anything that does not
 * parse: the caller denies, never allows.
 */
export function describeRequest(parts: {
  method: string
  scheme: string
  host: string
  target: string
}): RequestDescription {
  if (!METHOD.test(parts.method)) bad('invalid method')
  const scheme = parts.scheme.toLowerCase()
  if (scheme !== 'http' && scheme !== 'https') bad('invalid scheme')
  if (parts.target.length > MAX_URL_LENGTH) bad('request target too long')
  const host = canonicalHost(parts.host, scheme)
  const hashAt = parts.target.indexOf('#')
  const target = hashAt === -1 ? parts.target : parts.target.slice(0, hashAt)
  const queryAt = target.indexOf('?')
  const rawPath = queryAt === -1 ? target : target.slice(0, queryAt)
  if (!RAW_PATH.test(rawPath)) bad('invalid request path')

  const path = removeDotSegments(decodeOnce(rawPath))
  return {
    method: parts.method,
    scheme,
    host,
    path,
    paths: readingsOf(rawPath, path),
    url: `${scheme}://${host}${target}`,
  }
}

/**
 * The readings of a raw path that servers behind a proxy are known to act on: decoding before or
 * after resolving dot segments, merging `//` first (nginx), dropping `;params` (Tomcat, Jetty),
 * ignoring case (Windows, some frameworks).
 */
function readingsOf(rawPath: string, canonical: string): string[] {
  const readings = new Set<string>([canonical])
  for (const raw of new Set([rawPath, rawPath.replace(/;[^/]*/g, '')])) {
    for (const merged of new Set([raw, raw.replace(/\/{2,}/g, '/')])) {
      readings.add(removeDotSegments(decodeOnce(merged)))
      readings.add(decodeOnce(removeDotSegments(merged)))
      readings.add(removeDotSegments(decodeOnce(merged).replace(/\/{2,}/g, '/')))
    }
  }
  for (const reading of [...readings]) readings.add(reading.toLowerCase())
  return [...readings]
}
// Proxies ask about the same URLs over and over: describe each once. Only successes are kept.
const described = new LRUCache<string, RequestDescription>({ max: 10_000 })

/** describeRequest, remembered for recently seen requests (descriptions are immutable). */
export function describeCached(parts: {
  method: string
  scheme: string
  host: string
  target: string
}): RequestDescription {
  const cacheKey = `${parts.method} ${parts.scheme}://${parts.host}${parts.target}`
  let description = described.get(cacheKey)
  if (description === undefined) {
    description = Object.freeze(describeRequest(parts))
    described.set(cacheKey, description)
  }
  return description
}

/** Describes a request from one absolute URL (ingress-nginx's X-Original-URL). */
export function describeUrl(method: string, rawUrl: string): RequestDescription {
  const match = /^(https?):\/\/([^/?#]+)(.*)$/i.exec(rawUrl)
  if (!match) bad('X-Original-URL is not an absolute http(s) URL')
  return describeCached({ method, scheme: match[1]!, host: match[2]!, target: match[3] || '/' })
}
