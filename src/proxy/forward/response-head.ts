/**
 * Response headers that describe the upstream connection, not the client's (RFC 9110 §7.6.1), plus
 * framing the client connection does on its own (Node adds Content-Length or chunking itself).
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'proxy-authenticate',
])
/** A 101 answer keeps its handshake: without these the client cannot read it as a switch. */
const HANDSHAKE = new Set(['connection', 'upgrade'])

/** Raw header lines as undici (Buffers) or Node (strings) hand them over: name, value, name, value… */
export type RawHeaderList = readonly (Buffer | string)[]

const text = (value: Buffer | string): string =>
  typeof value === 'string' ? value : value.toString('latin1')

/** The lower-cased names an upstream listed in Connection: those headers are hop-by-hop too. */
function connectionListed(raw: RawHeaderList): Set<string> | undefined {
  let listed: Set<string> | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = text(raw[i]!)
    if (name.length !== 10 || name.toLowerCase() !== 'connection') continue
    for (const token of text(raw[i + 1]!).split(',')) {
      const trimmed = token.trim().toLowerCase()
      if (trimmed === '') continue
      listed ??= new Set()
      listed.add(trimmed)
    }
  }
  return listed
}

/** The cookie name of a Set-Cookie line, as a browser reads it (up to `=`, trimmed). */
function cookieName(line: string): string {
  const at = line.indexOf('=')
  return (at === -1 ? '' : line.slice(0, at)).trim()
}

export interface ResponseHeadPolicy {
  /** fxa-gate's own cookie names: an upstream must not plant or overwrite them in the browser. */
  readonly ownCookies: ReadonlySet<string>
  /** Headers fxa-gate writes itself on every answer (lower-case): the upstream's are dropped. */
  readonly ownHeaders?: ReadonlySet<string> | undefined
}

/**
 * The upstream's response header lines as the client gets them, as a flat list for
 * `res.writeHead(status, list)`: hop-by-hop headers and the names listed in Connection dropped
 * (kept for a 101's handshake), Set-Cookie lines naming fxa-gate's own cookies dropped. Duplicate
 * lines stay separate lines, in their order.
 */
export function cleanResponseHead(raw: RawHeaderList, policy: ResponseHeadPolicy, status = 200): string[] {
  const listed = connectionListed(raw)
  const out: string[] = []
  for (let i = 0; i < raw.length; i += 2) {
    const name = text(raw[i]!)
    const lower = name.toLowerCase()
    if (HOP_BY_HOP.has(lower) && !(status === 101 && HANDSHAKE.has(lower))) continue
    if (listed?.has(lower) && !(status === 101 && HANDSHAKE.has(lower))) continue
    if (policy.ownHeaders?.has(lower)) continue
    const value = text(raw[i + 1]!)
    if (lower === 'set-cookie' && policy.ownCookies.has(cookieName(value))) continue
    out.push(name, value)
  }
  return out
}

/** A response head in wire form, for answers written straight onto a socket (upgrades). */
export function serializeHead(status: number, reason: string, headers: readonly string[]): string {
  let head = `HTTP/1.1 ${status} ${reason}\r\n`
  for (let i = 0; i < headers.length; i += 2) {
    const line = `${headers[i]}: ${headers[i + 1]}`
    // Parsers upstream refuse CR and LF in headers already; a line with one would split the head.
    if (/[\r\n]/.test(line)) throw new Error('header line with CR or LF')
    head += `${line}\r\n`
  }
  return `${head}\r\n`
}
