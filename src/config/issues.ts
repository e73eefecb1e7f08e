import type { z } from 'zod'
import { CONFIG_KEYS, configSchema, envName } from './schema.ts'
import { closestName } from './suggest.ts'

export interface ConfigProblem {
  /** The key's name in the schema (YAML), e.g. `clientId`. */
  readonly key: string
  /** The environment variable that sets it, e.g. `FXA_GATE_CLIENT_ID`. */
  readonly env: string
  /** Where inside the key's value, when it is a structure: `rules[2].paths[0]`. */
  readonly path?: string
  readonly message: string
}

type PathSegment = PropertyKey

/** `['rules', 2, 'paths', 0]` → `rules[2].paths[0]`. */
export function formatPath(path: readonly PathSegment[]): string {
  return path
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`,
    )
    .join('')
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let value = root
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<PropertyKey, unknown>)[segment]
  }
  return value
}

interface DefLike {
  type: string
  innerType?: { _zod: { def: DefLike } }
  in?: { _zod: { def: DefLike } }
  element?: { _zod: { def: DefLike } }
  shape?: Record<string, { _zod: { def: DefLike } }>
}

/** The keys the schema allows in the object at `path`, so that a typo can be matched to one. */
function allowedKeysAt(path: readonly PathSegment[]): string[] {
  let def = (configSchema as unknown as { _zod: { def: DefLike } })._zod.def
  const unwrap = () => {
    for (;;) {
      const inner = def.innerType ?? def.in
      if (!inner || !['default', 'prefault', 'optional', 'nullable', 'pipe'].includes(def.type)) return
      def = inner._zod.def
    }
  }
  for (const segment of path) {
    unwrap()
    const next = def.type === 'array' ? def.element : def.shape?.[String(segment)]
    if (!next) return []
    def = next._zod.def
  }
  unwrap()
  return Object.keys(def.shape ?? {})
}

function didYouMean(name: string, candidates: readonly string[]): string {
  const near = closestName(name, candidates)
  return near === undefined ? '' : ` (did you mean "${near}"?)`
}

/**
 * Turns one schema issue into problems an operator can act on: the key, the place inside it, and
 * what was expected. `input` is what was validated, to tell a missing value from a wrong one (zod
 * leaves values out of its issues, which is also why no secret ends up in a message).
 */
export function describeIssue(issue: z.core.$ZodIssue, input: Record<string, unknown>): ConfigProblem[] {
  const [head, ...rest] = issue.path
  const name = head === undefined ? undefined : String(head)
  if (issue.code === 'unrecognized_keys') {
    if (name === undefined) {
      return issue.keys.map((key) => ({
        key,
        env: '--config',
        message: `unknown configuration key "${key}"${didYouMean(key, Object.keys(CONFIG_KEYS))}`,
      }))
    }
    const allowed = allowedKeysAt(issue.path)
    return issue.keys.map((key) => ({
      key: name,
      env: envName(name),
      path: formatPath(issue.path),
      message: `unknown key "${key}"${didYouMean(key, allowed)}`,
    }))
  }
  if (name === undefined || !(name in CONFIG_KEYS))
    return [{ key: name ?? '(file)', env: '--config', message: issue.message }]
  return [
    {
      key: name,
      env: envName(name),
      ...(rest.length > 0 ? { path: formatPath(issue.path) } : {}),
      message: issueMessage(issue, input),
    },
  ]
}

/**
 * What an issue of one key says to an operator: "is required" only when the value is missing, what
 * was expected when one is there (a bad boolean is "expected true or false"). `input` as above.
 */
export function issueMessage(issue: z.core.$ZodIssue, input: Record<string, unknown>): string {
  if (issue.code !== 'invalid_type') return issue.message
  const value = valueAt(input, issue.path)
  if (value === undefined) return 'is required'
  if (issue.expected === 'boolean') return 'expected true or false'
  if (issue.expected === 'array') return 'expected a list'
  if (issue.expected === 'number') return 'expected a number'
  return issue.message
}
