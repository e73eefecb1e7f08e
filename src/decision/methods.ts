import { GateError } from '../errors.ts'

/** Headers frameworks read as the "real" method (Symfony, Express's method-override, Rails APIs). */
export const METHOD_OVERRIDE_HEADERS: readonly string[] = [
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
]
/**
 * The names that fold (foldHeaderName: case ignored, every run of other characters one `-`) to one
 * of METHOD_OVERRIDE_HEADERS, in one test.
 */
const OVERRIDE_NAME =
  /^[^a-z0-9]*x[^a-z0-9]+(?:http[^a-z0-9]+method(?:[^a-z0-9]+override)?|method[^a-z0-9]+override)[^a-z0-9]*$/i
const METHOD = /^[A-Za-z]{1,20}$/
const BODYLESS = new Set(['GET', 'HEAD'])

function bad(detail: string): never {
  throw new GateError('BAD_REQUEST', { detail })
}

function checked(value: string, source: string): string {
  if (!METHOD.test(value)) bad(`invalid ${source}`)
  return value
}

/**
 * Whether a parameter name is `_method` as some framework reads it: PHP turns ` `, `.` and an
 * unmatched `[` into `_`, `_method[]` into `_method`, and ends a name at NUL (`_method%00x`); the
 * match ignores case to be safe.
 */
export function isMethodParameter(name: string): boolean {
  if (name.length < 7) return false
  const nul = name.indexOf('\0')
  const base = (nul === -1 ? name : name.slice(0, nul)).toLowerCase().replace(/\[[^\]]*\].*$/, '')
  const fold = (text: string) => text.replace(/[ .[]/g, '_')
  return fold(base) === '_method' || fold(base.trimStart()) === '_method'
}

/**
 * The `_method` values of a query or urlencoded form, as `&` splits it (URLSearchParams, PHP,
 * qs) and as `&` and `;` split it (Rack 1, Go before 1.17): a value seen by either reading counts.
 */
export function methodParameterValues(text: string): string[] {
  const values: string[] = []
  for (const reading of text.includes(';') ? [text, text.replaceAll(';', '&')] : [text]) {
    for (const [name, value] of new URLSearchParams(reading))
      if (isMethodParameter(name) && !values.includes(value)) values.push(value)
  }
  return values
}

/**
 * The methods a request may be run as besides its request line's: every method-override header in
 * any spelling (servers that fold `_` and `.` into `-` read `X_HTTP_Method_Override` as the same
 * header) and `_method` in the query (Symfony, Express). Frameworks upper-case what they read, so
 * both forms are readings, and HEAD is GET as well. A value that is not a method token is refused
 * rather than guessed at.
 */
export function methodReadings(method: string, rawHeaders: readonly string[], query: string): string[] {
  const readings: string[] = []
  const add = (value: string) => {
    for (const reading of [value, value.toUpperCase()])
      if (!readings.includes(reading)) readings.push(reading)
  }
  add(checked(method, 'method'))
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!
    if (name.length >= 13 && OVERRIDE_NAME.test(name)) add(checked(rawHeaders[i + 1]!, name))
  }
  // `%6Dethod` decodes to `method` too.
  if (/method|%/i.test(query)) {
    for (const value of methodParameterValues(query)) add(checked(value, '_method'))
  }
  // Express, Rails, Django and Go run a GET handler for HEAD: a rule on GET must hold for it too.
  if (readings.includes('HEAD')) add('GET')
  return readings
}

/**
 * How a request body could name a method, by its media type; undefined when it cannot. `unknown`:
 * servers read its type as different kinds (a form to one, JSON to another), so no one reading of
 * the body says which methods it names.
 */
export type BodyKind = 'urlencoded' | 'multipart' | 'json' | 'unknown'

function kindOfType(type: string): BodyKind | undefined {
  if (type === 'application/x-www-form-urlencoded' || type === '') return 'urlencoded'
  if (type.startsWith('multipart/')) return 'multipart'
  if (type === 'application/json' || type.endsWith('+json')) return 'json'
  return undefined
}

/**
 * Whether a body of this type may carry `_method`: urlencoded and multipart forms (Rails, Laravel,
 * Symfony, Express), JSON (Laravel reads a JSON body as its input), and a POST without a
 * Content-Type, which Rack parses as a form. The type is read as every server reads it: up to `;`
 * (Express), up to `;`, `,` or white space (PHP; Rack stops at `,` too), and as JSON when it
 * contains `/json` or `+json` anywhere (Laravel). GET and HEAD bodies are refused or dropped elsewhere.
 */
export function bodyKind(method: string, contentType: string | undefined): BodyKind | undefined {
  const upper = method.toUpperCase()
  if (BODYLESS.has(upper)) return undefined
  if (contentType === undefined) return upper === 'POST' ? 'urlencoded' : undefined
  const lower = contentType.toLowerCase()
  const semicolon = lower.indexOf(';')
  const kinds = new Set<BodyKind | undefined>([
    kindOfType((semicolon === -1 ? lower : lower.slice(0, semicolon)).trim()),
    kindOfType(/^\s*([^;,\s]*)/.exec(lower)![1]!),
    /[/+]json/.test(lower) ? 'json' : undefined,
  ])
  kinds.delete(undefined)
  if (kinds.size > 1) return 'unknown'
  return kinds.values().next().value
}
