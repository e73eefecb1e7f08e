import { GateError } from '../errors.ts'

/**
 * What went wrong with a Redis command, as far as fxa-gate cares: it passed its deadline, Redis
 * could not be reached (or is failing over), a key held the wrong type, or Redis refused it.
 */
export type RedisFaultKind = 'timeout' | 'unavailable' | 'wrong_type' | 'reply'

/**
 * A failed Redis command, translated once (here) from whatever ioredis threw. `cause` keeps the
 * error's name, code and message only: ioredis attaches the command and its arguments, which hold
 * session records and token hashes.
 */
export class RedisFault extends Error {
  readonly kind: RedisFaultKind
  readonly operation: string
  constructor(kind: RedisFaultKind, operation: string, cause: Error) {
    super(`${operation}: ${kind}`, { cause })
    this.name = 'RedisFault'
    this.kind = kind
    this.operation = operation
  }
}

// Redis error replies start with a code; these mean "not now" (loading, failing over, read-only
// replica after a failover, cluster reconfiguring), not "you asked for something wrong".
const TRANSIENT = new Set([
  'LOADING',
  'READONLY',
  'MASTERDOWN',
  'CLUSTERDOWN',
  'TRYAGAIN',
  'BUSY',
  'NOREPLICAS',
])

export function translateRedisError(error: unknown, operation: string): RedisFault {
  if (error instanceof RedisFault) return error
  const original = error instanceof Error ? error : new Error(String(error))
  return new RedisFault(kindOf(original), operation, scrub(original))
}

/** A fault as the answer to a request: the store is away (503, with Retry-After). */
export function storeUnavailable(error: unknown, operation: string): GateError {
  if (error instanceof GateError) return error
  const fault = translateRedisError(error, operation)
  const cause = fault.cause as Error
  return new GateError('STORE_UNAVAILABLE', {
    cause,
    detail: `${fault.operation}: ${fault.kind} (${cause.name}${'code' in cause ? ` ${String(cause.code)}` : ''})`,
  })
}

export function isWrongType(error: unknown): boolean {
  return error instanceof RedisFault && error.kind === 'wrong_type'
}

function kindOf(error: Error): RedisFaultKind {
  if (error.name !== 'ReplyError') return 'unavailable'
  const code = /^[A-Z]+/.exec(error.message)?.[0] ?? ''
  if (code === 'WRONGTYPE') return 'wrong_type'
  return TRANSIENT.has(code) ? 'unavailable' : 'reply'
}

function scrub(error: Error): Error {
  const clean = new Error(error.message.slice(0, 200))
  clean.name = error.name
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') Object.assign(clean, { code })
  // No stack: a translated fault is logged as an expected condition, not a bug.
  clean.stack = `${clean.name}: ${clean.message}`
  return clean
}
