import { isIPv6 } from 'node:net'
import { domainToASCII } from 'node:url'
import { GateError } from '../errors.ts'

/** A validated Host / X-Forwarded-Host / :authority value, in the one form decisions read. */
export interface Authority {
  /** Lower-case name without a trailing dot, a dotted-quad IPv4 address, or `[ipv6]` (RFC 5952). */
  readonly hostname: string
  /** The port, when it is not the scheme's default. */
  readonly port: number | undefined
  /** `hostname[:port]`: what host rules match and return URLs are built from. */
  readonly host: string
}

/** The longest authority worth reading: a 253-character name, a trailing dot and `:65535`. */
const MAX_AUTHORITY = 260
/**
 * A reg-name of letters, digits, `-` and `_` in dot-separated labels, one trailing dot allowed.
 * RFC 3986 also admits percent-encoding and sub-delimiters (`!$&'()*+,;=`); no DNS name uses them,
 * and servers disagree on what they mean, so they are refused with the rest.
 */
const REG_NAME = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?$/
const PORT = /^[0-9]{1,5}$/
/** The WHATWG URL parser reads a name whose last label is a number as an IPv4 address. */
const NUMERIC_LABEL = /(?:^|\.)(?:[0-9]+|0x[0-9a-f]*)\.?$/
const DOTTED_QUAD =
  /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$/
const DEFAULT_PORT = { http: 80, https: 443 } as const

function bad(detail: string): never {
  throw new GateError('BAD_REQUEST', { detail })
}

function ipv6Literal(inside: string): string {
  // Zone identifiers (RFC 6874) name an interface of the sender, never a host of ours.
  if (inside.includes('%') || !isIPv6(inside)) bad('invalid IPv6 address in host')
  // The WHATWG serializer writes the RFC 5952 form (lower case, longest zero run compressed).
  return new URL(`http://[${inside}]/`).hostname
}

function regName(raw: string): string {
  const name = raw.toLowerCase()
  if (!REG_NAME.test(name)) bad('host is not a host name or address')
  const hostname = name.endsWith('.') ? name.slice(0, -1) : name
  if (hostname.length > 253) bad('host name too long')
  for (const label of hostname.split('.')) if (label.length > 63) bad('host name label too long')
  // `127.1`, `0x7f.0.0.1`, `2130706433`: one server's name is another's address. Only the dotted
  // quad reads the same everywhere.
  if (NUMERIC_LABEL.test(hostname) && !DOTTED_QUAD.test(hostname)) bad('ambiguous numeric host')
  // An `xn--` label that is no valid punycode: a URL parser refuses what nginx passes on.
  if (hostname.includes('xn--') && domainToASCII(hostname) !== hostname) bad('invalid punycode in host')
  return hostname
}

/**
 * Parses an authority (RFC 3986 `host [ ":" port ]`, no userinfo) from a request. Anything else —
 * a path, query or fragment delimiter, `@`, `\`, white space, control or non-ASCII characters, an
 * IPvFuture or zone, a port outside 1–65535 — is a GateError BAD_REQUEST: the caller never reads a
 * host it could not validate, and never builds a key or a URL from one.
 */
export function parseAuthority(raw: string, scheme: 'http' | 'https'): Authority {
  if (raw.length === 0) bad('empty host')
  if (raw.length > MAX_AUTHORITY) bad('host too long')
  let hostname: string
  let rest: string
  if (raw.charCodeAt(0) === 0x5b /* [ */) {
    const end = raw.indexOf(']')
    if (end === -1) bad('unterminated IPv6 literal in host')
    hostname = ipv6Literal(raw.slice(1, end))
    rest = raw.slice(end + 1)
  } else {
    const colon = raw.indexOf(':')
    hostname = regName(colon === -1 ? raw : raw.slice(0, colon))
    rest = colon === -1 ? '' : raw.slice(colon)
  }
  let port: number | undefined
  if (rest !== '') {
    if (rest.charCodeAt(0) !== 0x3a /* : */) bad('junk after the host')
    const digits = rest.slice(1)
    // An empty port is allowed by RFC 3986 and means the default.
    if (digits !== '') {
      if (!PORT.test(digits)) bad('invalid port in host')
      port = Number(digits)
      if (port === 0 || port > 65535) bad('port out of range in host')
      if (port === DEFAULT_PORT[scheme]) port = undefined
    }
  }
  return { hostname, port, host: port === undefined ? hostname : `${hostname}:${port}` }
}

/** Whether two validated authorities name the same host (their ports aside). */
export function sameHostname(a: Authority, b: Authority): boolean {
  return a.hostname === b.hostname
}

/** Authorities remembered by a parser: a proxy sees a handful of hosts, a client may send any. */
const REMEMBERED = 1024

/**
 * parseAuthority with the last distinct successes remembered: the few hosts a gate serves are
 * validated once, not on every request. The key is the scheme (one of two words, validated before)
 * and the raw value whole, so two inputs share an entry only when they are the same input; refusals
 * are never remembered (they throw again, each time).
 */
export function createAuthorityParser(): (raw: string, scheme: 'http' | 'https') => Authority {
  const known = new Map<string, Authority>()
  return (raw, scheme) => {
    const key = scheme === 'http' ? `http ${raw}` : `https ${raw}`
    let authority = known.get(key)
    if (authority === undefined) {
      authority = parseAuthority(raw, scheme)
      // Full: start again rather than track recency (the hot set refills in a few requests).
      if (known.size >= REMEMBERED) known.clear()
      known.set(key, Object.freeze(authority))
    }
    return authority
  }
}
