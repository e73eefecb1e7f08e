import { AsyncLocalStorage } from 'node:async_hooks'
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { FastifyRequest } from 'fastify'
import type { Endpoint } from './metric-definitions.ts'

/**
 * What observability keeps about a request while it is answered: fields decorated onto fastify's
 * request (one shape, no allocation per request), written by the pipeline through the functions
 * below and read once when the response ends (metrics, access log).
 */
declare module 'fastify' {
  interface FastifyRequest {
    /** Which endpoint the route belongs to (the metrics' `endpoint` label). */
    gateEndpoint: Endpoint
    /** The request a decision was about (forward-auth: the original request), when one was made. */
    gateSubject: RequestSubject | null
    gateDecision: 'allow' | 'unauthenticated' | 'forbidden' | null
    gateUid: string | null
    /** Why the request was refused (an error code and its detail), for the one log line about it. */
    gateRefusal: Refusal | null
  }
}

/**
 * What observability reads and the pipeline writes about one exchange, whatever carries it: fastify's
 * request (decorated with these fields) or the fast path's record of a request fastify never saw.
 */
export interface Exchange {
  readonly id: string
  readonly raw: IncomingMessage
  gateEndpoint: Endpoint
  gateSubject: RequestSubject | null
  gateDecision: 'allow' | 'unauthenticated' | 'forbidden' | null
  gateUid: string | null
  gateRefusal: Refusal | null
}

export interface RequestSubject {
  readonly method: string
  readonly host: string
  /** Canonical path, no query. */
  readonly path: string
}

export interface Refusal {
  readonly code: string
  readonly detail?: string | undefined
  /** Whose requirement refused it: a rule (`rules[2]`) or the transport (`auth URL`). */
  readonly source?: string | undefined
  /** The error behind a 5xx, logged with its class and code. */
  readonly cause?: unknown
  /**
   * A dependency was away (a code with Retry-After): logged through the failure limiter, at most
   * once a second per code, so not once per request in the access log.
   */
  readonly expected?: boolean
}

/** The decorations and their defaults, for `app.decorateRequest`. */
export const REQUEST_FIELDS = {
  gateEndpoint: 'other',
  gateSubject: null,
  gateDecision: null,
  gateUid: null,
  gateRefusal: null,
} as const

export const REQUEST_ID_HEADER = 'x-request-id'
/** At most 128 printable ASCII characters: anything else is replaced, never logged or forwarded. */
const WELL_FORMED_ID = /^[\x20-\x7e]{1,128}$/

/** The request id: the client's or proxy's `X-Request-Id` when well formed, else a new UUID. */
export function requestIdOf(raw: IncomingMessage): string {
  const given = raw.headers[REQUEST_ID_HEADER]
  return typeof given === 'string' && WELL_FORMED_ID.test(given) ? given : randomUUID()
}

/** Records what the decision was about and came to (the uid when the credentials named one). */
export function noteDecision(
  request: Exchange,
  subject: RequestSubject,
  kind: 'allow' | 'unauthenticated' | 'forbidden',
  identity: { readonly uid: string } | null,
): void {
  request.gateSubject = subject
  request.gateDecision = kind
  if (identity !== null) request.gateUid = identity.uid
}

/** Records why a request was refused; the line about it is written when its answer ends. */
export function noteRefusal(request: Exchange, refusal: Refusal): void {
  request.gateRefusal = refusal
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/

/** The W3C trace id of a request's `traceparent`, when it has a valid one. */
export function traceIdOf(raw: IncomingMessage): string | undefined {
  const value = raw.headers.traceparent
  if (typeof value !== 'string') return undefined
  const match = TRACEPARENT.exec(value)
  return match === null || /^0+$/.test(match[1]!) ? undefined : match[1]
}

/**
 * Which request the code running now works for, so that every log line written meanwhile — by
 * request.log or by a module's own logger (bearer checks, account events, revocations) — carries
 * the request's ids (the logger's `mixin`). One per process, made by the entry point and given to
 * both the logger and the gate.
 */
export interface RequestScope {
  /** Runs the rest of the request's handling (fastify's `done`) inside its scope. */
  run(request: FastifyRequest, next: () => void): void
  /** `reqId` (and `traceId`) of the request in scope; an empty object outside any. */
  logFields(): Record<string, string>
}

export function createRequestScope(): RequestScope {
  const current = new AsyncLocalStorage<FastifyRequest>()
  return {
    run: (request, next) => current.run(request, next),
    // A new object each time: pino merges the line into it.
    logFields(): Record<string, string> {
      const request = current.getStore()
      if (request === undefined) return {}
      const traceId = traceIdOf(request.raw)
      return traceId === undefined ? { reqId: request.id } : { reqId: request.id, traceId }
    },
  }
}
