import { GateError } from '../errors.ts'
import { type BodyKind, isMethodParameter, methodParameterValues } from './methods.ts'

/** What the first bytes of a body say about `_method`. */
export interface BodyMethods {
  /** The `_method` values found (as sent). */
  readonly methods: readonly string[]
  /** The body may name a method that was not read (cut off at the limit, or not parseable here). */
  readonly any: boolean
}

const METHOD = /^[A-Za-z]{1,20}$/
const ANY: BodyMethods = Object.freeze({ methods: [], any: true })
const NONE: BodyMethods = Object.freeze({ methods: [], any: false })

function found(values: string[]): BodyMethods {
  for (const value of values) {
    if (!METHOD.test(value)) throw new GateError('BAD_REQUEST', { detail: 'invalid _method in the body' })
  }
  return values.length === 0 ? NONE : { methods: values, any: false }
}

function urlencoded(text: string): BodyMethods {
  if (!/method|%/i.test(text)) return NONE
  return found(methodParameterValues(text))
}

/**
 * A JSON body's top-level `_method` (Laravel). What a lenient parser could read differently — an
 * escape in a key, a repeated key, a non-string value, JSON that does not parse — counts as any method.
 */
function json(text: string): BodyMethods {
  if (!/method|\\u/i.test(text)) return NONE
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return ANY
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return NONE
  const values: string[] = []
  for (const [key, value] of Object.entries(parsed)) {
    if (!isMethodParameter(key)) continue
    if (typeof value !== 'string') return ANY
    values.push(value)
  }
  const quotedKeys = text
    .match(/"[^"]*method[^"]*"\s*:/gi)
    ?.filter((key) => isMethodParameter(key.slice(1, key.lastIndexOf('"'))))
  if (/\\u/i.test(text) || (quotedKeys?.length ?? 0) !== values.length) return ANY
  return found(values)
}

function boundaryOf(contentType: string): string | undefined {
  const match = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType)
  return match?.[1] ?? match?.[2]
}

/**
 * The `_method` fields of a whole multipart body (RFC 7578). Each part's headers are read for its
 * name; a part whose headers mention "method" in any way other than one plain `name` is taken as
 * naming any method, as is a body whose parts cannot be delimited.
 */
function multipart(text: string, contentType: string): BodyMethods {
  const boundary = boundaryOf(contentType)
  if (boundary === undefined) return ANY
  const delimiter = `--${boundary}`
  const parts = text.split(`\r\n${delimiter}`)
  // The body starts with the first delimiter (a preamble before it is ignored by every parser).
  const first = parts[0]!.indexOf(delimiter)
  if (first === -1) return NONE
  parts[0] = parts[0]!.slice(first + delimiter.length)
  const values: string[] = []
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!
    if (part.startsWith('--')) return found(values) // the closing delimiter
    const headerEnd = part.indexOf('\r\n\r\n')
    // A part without a header section or the closing delimiter: not a body parsers agree on.
    if (headerEnd === -1 || i === parts.length - 1) return ANY
    const headers = part.slice(0, headerEnd)
    // `name*=` (RFC 2231) may encode any name; so may RFC 2047 words and HTML entities in a name.
    if (/name\s*\*\s*=/i.test(headers)) return ANY
    if (!/method/i.test(headers)) continue
    const names = [...headers.matchAll(/;\s*name\s*=\s*(?:"([^"]*)"|([^\s;]*))/gi)]
    if (names.length !== 1) return ANY
    const name = names[0]![1] ?? names[0]![2]!
    const remainder = headers.replace(names[0]![0], '')
    if (/method/i.test(remainder) || /%|&#|=\?/.test(name)) return ANY
    if (isMethodParameter(name)) values.push(part.slice(headerEnd + 4))
  }
  return ANY
}

/** Charsets in which `_method=DELETE` is the same bytes as in UTF-8 (what the body is read as). */
const ASCII_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii', 'iso-8859-1', 'latin1'])

/**
 * Whether the bytes fxa-gate peeks at are the text the application parses: not compressed
 * (Express's body-parser inflates gzip, deflate and br) and in an ASCII-compatible charset (it
 * decodes JSON in UTF-16 and UTF-7, Spring decodes forms in the request's charset).
 */
function readableAsIs(contentType: string | undefined, contentEncoding: string | undefined): boolean {
  if (contentEncoding !== undefined && contentEncoding.trim().toLowerCase() !== 'identity') return false
  for (const match of (contentType ?? '').matchAll(/;\s*charset\s*=\s*("?)([^";\s]*)\1/gi)) {
    if (!ASCII_CHARSETS.has(match[2]!.toLowerCase())) return false
  }
  return true
}

/**
 * Reads `_method` from the first bytes of a body (`complete` when that is all of it). A body cut
 * off before its end may name any method in the rest: fxa-gate never holds more than a small prefix.
 * So may a body whose bytes the application decodes first (`contentEncoding`, a charset).
 */
export function methodsInBody(
  kind: BodyKind,
  contentType: string | undefined,
  head: Buffer,
  complete: boolean,
  contentEncoding?: string,
): BodyMethods {
  if (!complete || kind === 'unknown' || !readableAsIs(contentType, contentEncoding)) return ANY
  if (kind === 'multipart') return multipart(head.toString('latin1'), contentType ?? '')
  return kind === 'json' ? json(head.toString('utf8')) : urlencoded(head.toString('utf8'))
}
