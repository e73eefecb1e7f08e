import type { IncomingHttpHeaders } from 'node:http'
import { GateError } from '../errors.ts'
import { type Authority, parseAuthority } from './authority.ts'
import type { BodyMethods } from './body-methods.ts'
import { type BodyKind, bodyKind, methodReadings } from './methods.ts'
import { readPath } from './path.ts'

/**
 * The request an auth decision is about, parsed and canonicalized once, the same way for every
 * transport. Rules match every reading of it (paths, methods, host); the decision must hold for all.
 */
export interface RequestDescription {
  readonly scheme: 'http' | 'https'
  /** Validated (see parseAuthority): lower-case, no trailing dot, no default port. */
  readonly host: string
  /**
   * The proxy may have routed the request by another host than `host` (ingress-nginx, whose auth
   * URL does not name its Ingress's host): host-scoped rules may or may not apply.
   */
  readonly anyHost: boolean
  /** Canonical path: percent-decoded once, dot segments resolved, no query or fragment. */
  readonly path: string
  /** Every reading of the path some server behind us might act on, the canonical one first. */
  readonly paths: readonly string[]
  /** The request line's method. */
  readonly method: string
  /** Every method the request may be run as: the request line's, then overrides, as sent and upper-cased. */
  readonly methods: readonly string[]
  /** A body fxa-gate has not read may name any method (`_method` in a form or JSON body). */
  readonly anyMethod: boolean
  /** How the body could name a method, when it could. */
  readonly bodyKind: BodyKind | undefined
  /** The URL to come back to after login (scheme://host/path?query as the client sent it). */
  readonly url: string
}

/** How far a transport can believe the host it reads. */
export type HostRouting =
  /** The proxy routes by the very host it reports (Node, Go, Envoy). */
  | { readonly kind: 'routed' }
  /** The auth URL names the host the proxy routed by (`?host=`): the reported one must be it. */
  | { readonly kind: 'pinned'; readonly hostname: string }
  /** Nothing says which host the proxy routed by. */
  | { readonly kind: 'unpinned' }

/** What a transport read from its proxy's request, before anything is validated. */
export interface RequestParts {
  readonly method: string
  readonly scheme: string
  readonly authority: string
  /** The request target: origin-form (`/path?query`). */
  readonly target: string
  /** The client's headers as the proxy passed them on (credentials, method overrides, Content-Type). */
  readonly headers: IncomingHttpHeaders
  readonly rawHeaders: readonly string[]
  /**
   * The body as fxa-gate sees it: `absent` (the sidecar saw none), `readable` (the sidecar can read
   * its first bytes), `unseen` (forward-auth: the proxy keeps the body).
   */
  readonly body: 'absent' | 'readable' | 'unseen'
  readonly hostRouting: HostRouting
  /**
   * The service the auth URL names (`?service=`): forward-auth endpoints whose URL is the
   * operator's only, never anything a client sent.
   */
  readonly service?: string | undefined
  /**
   * The socket's peer address (the proxy, or the client itself): with a trusted proxy's
   * X-Forwarded-For, the client whose budget an unknown bearer token's check comes from.
   */
  readonly peer: string | undefined
}

const MAX_TARGET_LENGTH = 8192

/** The routing of every transport whose proxy routes by the host it reports. */
export const HOST_ROUTED: HostRouting = Object.freeze({ kind: 'routed' })

function bad(detail: string): never {
  throw new GateError('BAD_REQUEST', { detail })
}

function singleContentType(rawHeaders: readonly string[]): void {
  let count = 0
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.length === 12 && rawHeaders[i]!.toLowerCase() === 'content-type') count++
  }
  // Node keeps the first, other servers the last: which body parser runs would be a guess.
  if (count > 1) bad('duplicate Content-Type')
}

/**
 * Describes a request from what a transport read. Validates the host before anything reads it and
 * throws GateError (BAD_REQUEST, HOST_MISMATCH) for anything that does not parse: the caller
 * denies, never allows.
 */
export function describeRequest(
  parts: RequestParts,
  readAuthority: (raw: string, scheme: 'http' | 'https') => Authority = parseAuthority,
): RequestDescription {
  const scheme = parts.scheme.toLowerCase()
  if (scheme !== 'http' && scheme !== 'https') bad('invalid scheme')
  const authority = readAuthority(parts.authority, scheme)
  const routing = parts.hostRouting
  if (routing.kind === 'pinned' && routing.hostname !== authority.hostname)
    throw new GateError('HOST_MISMATCH', { detail: `${authority.hostname} is not ${routing.hostname}` })
  if (parts.target.length > MAX_TARGET_LENGTH) bad('request target too long')
  const hashAt = parts.target.indexOf('#')
  const target = hashAt === -1 ? parts.target : parts.target.slice(0, hashAt)
  const queryAt = target.indexOf('?')
  const { path, paths } = readPath(queryAt === -1 ? target : target.slice(0, queryAt))
  const methods = methodReadings(
    parts.method,
    parts.rawHeaders,
    queryAt === -1 ? '' : target.slice(queryAt + 1),
  )
  singleContentType(parts.rawHeaders)
  const kind = parts.body === 'absent' ? undefined : bodyKind(parts.method, parts.headers['content-type'])
  return {
    scheme,
    host: authority.host,
    anyHost: routing.kind === 'unpinned',
    path,
    paths,
    method: parts.method,
    methods,
    anyMethod: kind !== undefined,
    bodyKind: kind,
    url: `${scheme}://${authority.host}${target}`,
  }
}

/** The description once the first bytes of its body were read for `_method`. */
export function withBodyMethods(description: RequestDescription, body: BodyMethods): RequestDescription {
  const methods = [...description.methods]
  for (const method of body.methods) {
    for (const reading of [method, method.toUpperCase()])
      if (!methods.includes(reading)) methods.push(reading)
  }
  return { ...description, methods, anyMethod: body.any }
}

/**
 * Splits an absolute http(s) URL (ingress-nginx's X-Original-URL, `$scheme://$http_host$request_uri`)
 * into scheme, authority and target. The authority ends at the first `/`, `?` or `#`; the target
 * must then be origin-form, so a Host that held a delimiter leaves a target that is refused.
 */
export function splitAbsoluteUrl(rawUrl: string): { scheme: string; authority: string; target: string } {
  const match = /^(https?):\/\/([^/?#]*)(.*)$/i.exec(rawUrl)
  if (!match) bad('X-Original-URL is not an absolute http(s) URL')
  const target = match[3] || '/'
  if (!target.startsWith('/')) bad('X-Original-URL has no path')
  return { scheme: match[1]!, authority: match[2]!, target }
}
