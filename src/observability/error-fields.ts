import { GateError } from '../errors.ts'

/** What a log line says about a failure: fxa-gate's code and, below it, the cause's class and code. */
export interface ErrorFields {
  /** fxa-gate's error code (errors.ts), when the failure was translated into one. */
  code?: string
  detail?: string
  /** Class of the first foreign error in the cause chain, e.g. `TypeError`, `ReplyError`. */
  causeClass?: string
  /** The first code found down the chain, e.g. `ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`. */
  causeCode?: string
  /** The chain's messages, outermost first (bounded; messages of libraries hold no secrets we pass them). */
  cause?: string
}

const MAX_DEPTH = 6
const MAX_MESSAGE = 300

function codeOf(error: object): string | undefined {
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && code !== '') return code
  if (typeof code === 'number') return String(code)
  return undefined
}

/** The next error down: `cause`, or the first of an AggregateError (undici's happy eyeballs). */
function next(error: object): object | undefined {
  const cause = (error as { cause?: unknown }).cause
  if (typeof cause === 'object' && cause !== null) return cause
  const errors = (error as { errors?: unknown }).errors
  if (Array.isArray(errors) && typeof errors[0] === 'object' && errors[0] !== null) return errors[0]
  return undefined
}

/**
 * Log fields for a failure and its causes: `discovery failed` says `PROVIDER_UNAVAILABLE`, and
 * also `TypeError` / `ECONNREFUSED` of the fetch underneath. Reads classes and codes, never
 * branches on message text.
 */
export function errorFields(error: unknown): ErrorFields {
  const fields: ErrorFields = {}
  if (typeof error !== 'object' || error === null) {
    if (error !== undefined) fields.cause = String(error).slice(0, MAX_MESSAGE)
    return fields
  }
  const messages: string[] = []
  let current: object | undefined = error
  for (let depth = 0; current !== undefined && depth < MAX_DEPTH; depth++) {
    if (current instanceof GateError) {
      fields.code ??= current.code
      if (current.detail !== undefined) fields.detail ??= current.detail
    } else {
      fields.causeClass ??= current.constructor?.name ?? 'Object'
      const code = codeOf(current)
      if (code !== undefined) fields.causeCode ??= code
      const message = (current as { message?: unknown }).message
      if (typeof message === 'string' && message !== '') messages.push(message)
    }
    current = next(current)
  }
  if (messages.length > 0) fields.cause = messages.join(': ').slice(0, MAX_MESSAGE)
  return fields
}
