import { GateError } from '../errors.ts'

// Raw request paths: printable ASCII without space, backslash, or a fragment.
const RAW_PATH = /^\/[\x21-\x22\x24-\x5b\x5d-\x7e]*$/
/** What makes readings of a path differ: an escape, a `;param`, an empty segment, a dot segment. */
const PLAIN_PATH_HAZARD = /[%;]|\/\/|\/\.|\.\//

function bad(detail: string): never {
  throw new GateError('BAD_REQUEST', { detail })
}

const ENCODED_DOT = /^(?:\.|%2e)$/i
const ENCODED_DOTS = /^(?:\.|%2e){2}$/i

/**
 * Resolves `.` and `..` segments (RFC 3986 §5.2.4); `..` above the root stays at the root. With
 * `encodedDots`, `%2e` counts as a dot, as the WHATWG URL parser counts it.
 */
export function removeDotSegments(path: string, encodedDots = false): string {
  const out: string[] = []
  const segments = path.split('/')
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i]!
    const last = i === segments.length - 1
    if (segment === '..' || (encodedDots && ENCODED_DOTS.test(segment))) {
      out.pop()
      if (last) out.push('')
    } else if (segment === '.' || (encodedDots && ENCODED_DOT.test(segment))) {
      if (last) out.push('')
    } else {
      out.push(segment)
    }
  }
  return `/${out.join('/')}`
}

function decodeOnce(path: string): string {
  let decoded = path
  if (path.includes('%')) {
    try {
      decoded = decodeURIComponent(path)
    } catch {
      bad('malformed percent-encoding or UTF-8 in path')
    }
    // NUL and control characters mean different things to different servers (the raw path has
    // none, nor backslashes: only decoding makes them).
    if (/[\x00-\x1f\x7f\\]/.test(decoded)) bad('control character or backslash in path')
    // What is still encoded after one decoding is a second layer some server may peel off too.
    if (/%(2e|2f|5c|00|25)/i.test(decoded)) bad('double-encoded path')
  }
  // Segments of three or more dots are read as `..` by some file systems.
  if (/(^|\/)\.{3,}(\/|$)/.test(decoded)) bad('dot-only path segment')
  return decoded
}

/** What rules match a raw path by: its canonical form and every other plausible reading. */
export interface PathReadings {
  /** Percent-decoded once, dot segments resolved. */
  readonly path: string
  /** Every reading, the canonical one first; a request is only as permitted as its least permitted. */
  readonly paths: readonly string[]
}

/**
 * Reads a raw request path (no query, no fragment). Refuses what servers are known to read in
 * incompatible ways rather than guessing: malformed or double percent-encoding, decoded controls and
 * backslashes, segments of three or more dots.
 */
export function readPath(rawPath: string): PathReadings {
  if (!RAW_PATH.test(rawPath)) bad('invalid request path')
  // Most paths have nothing to read differently: no escape, parameter, empty or dot segment.
  if (!PLAIN_PATH_HAZARD.test(rawPath)) {
    const lower = rawPath.toLowerCase()
    return { path: rawPath, paths: lower === rawPath ? [rawPath] : [rawPath, lower] }
  }
  const path = removeDotSegments(decodeOnce(rawPath))
  return { path, paths: readingsOf(rawPath, path) }
}

/**
 * The readings of a raw path that servers behind a proxy are known to act on: decoding before or
 * after resolving dot segments (with `%2e` as a dot or not: WHATWG URL counts it), merging `//`
 * first (nginx), dropping `;params` (Tomcat, Jetty), ignoring case (Windows, some frameworks).
 */
function readingsOf(rawPath: string, canonical: string): string[] {
  const readings = new Set<string>([canonical])
  for (const raw of new Set([rawPath, rawPath.replace(/;[^/]*/g, '')])) {
    for (const merged of new Set([raw, raw.replace(/\/{2,}/g, '/')])) {
      readings.add(removeDotSegments(decodeOnce(merged)))
      readings.add(decodeOnce(removeDotSegments(merged)))
      readings.add(decodeOnce(removeDotSegments(merged, true)))
      readings.add(removeDotSegments(decodeOnce(merged).replace(/\/{2,}/g, '/')))
    }
  }
  for (const reading of [...readings]) readings.add(reading.toLowerCase())
  return [...readings]
}
