import { GateError } from '../errors.ts'

/**
 * Folds a header name the way the most lenient server behind us might read it: lower-case, every run
 * of characters other than letters and digits made one `-`, none at either end. `X_User_Id`,
 * `x.user.id`, `X-User_Id` and `-X--USER-ID` all fold to `x-user-id`.
 */
export function foldHeaderName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
}

/** What happens to one client header on its way upstream. */
export type HeaderRole = 'keep' | 'drop' | 'host' | 'cookie' | 'authorization' | 'connection'

export interface HeaderVerdict {
  readonly role: HeaderRole
  /** The name as sent upstream (lower-case). */
  readonly name: string
}

/**
 * Hop-by-hop and framing headers (RFC 9110 §7.6.1), the websocket handshake (the proxy makes its own),
 * and `Expect` (answered by Node already): never forwarded as the client sent them.
 */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
  'proxy-authorization',
  'proxy-authenticate',
  'expect',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
  'sec-websocket-accept',
]

/**
 * Headers that describe the request or the client to an application behind a proxy. fxa-gate
 * decides on its own reading (socket, Host, request line) and writes X-Forwarded-For/-Proto/-Host
 * itself, so a client's versions must not reach the upstream: an app routing on X-Original-URL or
 * trusting X-Real-IP would act on a request other than the one decided on (THREATS §3, §4).
 */
const REQUEST_DESCRIPTION = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-protocol',
  'x-forwarded-scheme',
  'x-forwarded-ssl',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-uri',
  'x-forwarded-path',
  'x-forwarded-method',
  'x-forwarded-server',
  'x-original-url',
  'x-original-uri',
  'x-original-method',
  'x-original-host',
  'x-rewrite-url',
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'x-cluster-client-ip',
  'front-end-https',
  'x-url-scheme',
]

/** Headers handled one by one; any other spelling that folds to one of these is dropped. */
const SPECIAL: Record<string, HeaderRole> = {
  host: 'host',
  cookie: 'cookie',
  authorization: 'authorization',
  connection: 'connection',
  'content-length': 'keep',
  // Read by the decision (every method reading must be allowed); servers that fold names would read
  // `X_HTTP_Method_Override` as the same header, which the decision does not see.
  'x-http-method-override': 'keep',
  'x-http-method': 'keep',
  'x-method-override': 'keep',
}

export interface HeaderHygieneOptions {
  /** The identity header prefix, e.g. `X-User-`: every name under it is fxa-gate's alone. */
  readonly identityPrefix: string
  /** Other identity names applications may trust; `*` at the end matches any suffix. */
  readonly legacyNames: readonly string[]
  /** Every name fxa-gate itself writes (stripped in any spelling, whatever the lists say). */
  readonly writtenNames: readonly string[]
}

export interface HeaderHygiene {
  /** The verdict on one raw header name; memoized, the set of names a client uses is small. */
  classify(rawName: string): HeaderVerdict
  /** Whether a name falls under the identity prefix or the legacy list; memoized like classify. */
  isIdentityName(rawName: string): boolean
}

const MEMO_LIMIT = 2048
/** Longer names are judged every time rather than remembered: the memos stay under 256 KiB. */
const MEMO_NAME_LENGTH = 64
/** Longer Cookie headers are filtered every time rather than remembered (bounded memory). */
const MEMO_COOKIE_LENGTH = 1024

/**
 * One entry of an identity-name list, folded: `exact` names one header; `segments` (written
 * `X-Auth-Request-*`) names a header and every name continuing it after a separator; `prefix`
 * (written `X-Auth*`) every name that starts with it.
 */
export interface NamePattern {
  readonly folded: string
  readonly match: 'exact' | 'segments' | 'prefix'
}

/**
 * Reads a list of names and `*` patterns as the sidecar matches them. The proxy configurations in
 * deploy/examples/ are rendered from the same patterns, so they clear what the sidecar strips.
 */
export function compileNamePatterns(patterns: readonly string[]): NamePattern[] {
  const compiled = new Map<string, NamePattern>()
  for (const pattern of patterns) {
    const base = pattern.endsWith('*') ? pattern.slice(0, -1) : pattern
    const folded = foldHeaderName(base)
    const match = !pattern.endsWith('*') ? 'exact' : /[^A-Za-z0-9]$/.test(base) ? 'segments' : 'prefix'
    const key = `${match}:${folded}`
    if (!compiled.has(key)) compiled.set(key, { folded, match })
  }
  return [...compiled.values()]
}

/**
 * The identity-shaped names of a configuration: everything under the identity prefix, the legacy
 * list, and every name fxa-gate writes.
 */
export function identityNamePatterns(options: HeaderHygieneOptions): NamePattern[] {
  return compileNamePatterns([`${options.identityPrefix}*`, ...options.legacyNames, ...options.writtenNames])
}

function compileNameList(patterns: readonly NamePattern[]): (folded: string) => boolean {
  const exact = new Set<string>()
  const prefixes: string[] = []
  for (const { folded, match } of patterns) {
    // `X-Auth-Request-*` covers `x-auth-request` and `x-auth-request-…`; `X-Auth*` any `x-auth…`.
    if (match !== 'prefix') exact.add(folded)
    if (match === 'segments') prefixes.push(`${folded}-`)
    if (match === 'prefix') prefixes.push(folded)
  }
  return (folded) => exact.has(folded) || prefixes.some((prefix) => folded.startsWith(prefix))
}

/** Compiles the header policy once, at start-up, from configuration. */
export function compileHeaderHygiene(options: HeaderHygieneOptions): HeaderHygiene {
  const identity = compileNameList(identityNamePatterns(options))
  const dropped = new Set([...HOP_BY_HOP, ...REQUEST_DESCRIPTION])
  const memo = new Map<string, HeaderVerdict>()
  const identityMemo = new Map<string, boolean>()

  function judge(rawName: string): HeaderVerdict {
    const name = rawName.toLowerCase()
    // No HTTP header is named after an Object.prototype member (`__proto__`, `constructor`): dropping
    // those lets the upstream headers be a plain object, which the proxy library copies fast.
    if (name in Object.prototype) return { role: 'drop', name }
    const folded = foldHeaderName(name)
    if (identity(folded)) return { role: 'drop', name }
    const special = SPECIAL[folded]
    if (special !== undefined) return { role: name === folded ? special : 'drop', name }
    if (dropped.has(folded)) return { role: 'drop', name }
    return { role: 'keep', name }
  }

  return {
    classify(rawName) {
      let verdict = memo.get(rawName)
      if (verdict === undefined) {
        verdict = judge(rawName)
        if (memo.size < MEMO_LIMIT && rawName.length <= MEMO_NAME_LENGTH) memo.set(rawName, verdict)
      }
      return verdict
    },
    isIdentityName(rawName) {
      let known = identityMemo.get(rawName)
      if (known === undefined) {
        known = identity(foldHeaderName(rawName))
        if (identityMemo.size < MEMO_LIMIT && rawName.length <= MEMO_NAME_LENGTH)
          identityMemo.set(rawName, known)
      }
      return known
    },
  }
}

/**
 * Removes fxa-gate's own cookies (session and pending login, in any `__Host-`/`__Secure-` form) from
 * a Cookie header and keeps the others as they are. Undefined when nothing is left.
 */
export function compileCookieFilter(names: readonly string[]): (header: string) => string | undefined {
  const bases = new Set(names.map((name) => name.replace(/^__(host|secure)-/i, '').toLowerCase()))
  const escaped = [...bases].map((base) => base.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&'))
  const mentions = new RegExp(escaped.join('|'), 'i')
  const ours = (pair: string) => {
    const at = pair.indexOf('=')
    const name = (at === -1 ? pair : pair.slice(0, at))
      .trim()
      .replace(/^__(host|secure)-/i, '')
      .toLowerCase()
    return bases.has(name)
  }
  // A browser sends the same Cookie header request after request: filter each distinct one once.
  const filtered = new Map<string, string | undefined>()
  return (header) => {
    if (!mentions.test(header)) return header
    if (filtered.has(header)) return filtered.get(header)
    const kept = header.split(';').filter((pair) => pair.trim() !== '' && !ours(pair))
    const result = kept.length === 0 ? undefined : kept.map((pair) => pair.trim()).join('; ')
    if (header.length <= MEMO_COOKIE_LENGTH) {
      if (filtered.size >= MEMO_LIMIT) filtered.clear()
      filtered.set(header, result)
    }
    return result
  }
}

/** The client's headers after hygiene, before fxa-gate adds its own. */
export interface CleanedHeaders {
  /** What the upstream may see of the client's headers: lower-case names, repeated lines as arrays. */
  readonly headers: Record<string, string | string[]>
  readonly host: string | undefined
  readonly authorization: string | undefined
}

function refuse(detail: string): never {
  throw new GateError('BAD_REQUEST', { detail })
}

/**
 * Walks the raw header lines once (Node's `headers` object has already merged duplicates and kept
 * only the first Host and Authorization). Refuses duplicate Host or Authorization; drops identity,
 * hop-by-hop and request-description headers in every spelling, and the names the client listed in
 * Connection (but never a Content-* header); filters fxa-gate's cookies out of Cookie.
 */
export function cleanRequestHeaders(
  rawHeaders: readonly string[],
  hygiene: HeaderHygiene,
  filterCookie: (header: string) => string | undefined,
): CleanedHeaders {
  const headers: Record<string, string | string[]> = {}
  let host: string | undefined
  let authorization: string | undefined
  let connection: string[] | undefined
  let cookies: string | undefined
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const verdict = hygiene.classify(rawHeaders[i]!)
    const value = rawHeaders[i + 1]!
    switch (verdict.role) {
      case 'keep': {
        const existing = headers[verdict.name]
        if (existing === undefined) headers[verdict.name] = value
        else if (typeof existing === 'string') headers[verdict.name] = [existing, value]
        else existing.push(value)
        break
      }
      case 'host':
        if (host !== undefined) refuse('duplicate Host')
        host = value
        break
      case 'authorization':
        if (authorization !== undefined) refuse('duplicate Authorization')
        authorization = value
        break
      case 'cookie': {
        const kept = filterCookie(value)
        if (kept !== undefined) cookies = cookies === undefined ? kept : `${cookies}; ${kept}`
        break
      }
      case 'connection':
        connection ??= []
        for (const token of value.split(',')) connection.push(token.trim().toLowerCase())
        break
      case 'drop':
        break
    }
  }
  if (connection !== undefined) {
    // The body goes upstream as it came, so what describes it (framing, type, coding) goes with it:
    // the decision read it, and an upstream that got the body without its type would read it otherwise.
    for (const name of connection) if (!name.startsWith('content-')) delete headers[name]
  }
  if (cookies !== undefined && !connection?.includes('cookie')) headers['cookie'] = cookies
  return { headers, host, authorization: connection?.includes('authorization') ? undefined : authorization }
}
