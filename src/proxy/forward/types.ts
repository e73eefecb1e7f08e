import type { IncomingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
import type { GateError } from '../../errors.ts'
import type { UpstreamFailureReason } from '../upstream-errors.ts'

/** Request headers for the upstream: a flat raw list (name, value, …) or a header object. */
export type UpstreamRequestHeaders = readonly string[] | Readonly<Record<string, string | readonly string[]>>

/** What the decision step hands over for an allowed request. */
export interface ForwardTarget {
  readonly method: string
  /** The request target in origin form, exactly as decided on (never re-encoded). */
  readonly path: string
  /** The cleaned request headers plus fxa-gate's own (Host, X-Forwarded-*, identity). */
  readonly headers: UpstreamRequestHeaders
  /** The body to send, when it is not the request itself (one whose first bytes were read already). */
  readonly body?: Readable | undefined
  /**
   * Response header lines fxa-gate adds to the upstream's answer (name, value, …: the request id,
   * `Connection: close` while draining); the upstream's own lines of these names are dropped.
   */
  readonly responseHeaders?: readonly string[] | undefined
  /** The caller's record of the exchange, handed back with every event about it. */
  readonly exchange?: unknown
}

/** What the forwarder reports; the caller counts it (metrics) and may log it. */
export interface ForwardEvents {
  /** The upstream's response head arrived (and is being relayed). */
  answered?(exchange: unknown): void
  /** An upstream request failed before an answer could be relayed (the client got 502/504). */
  upstreamError(reason: UpstreamFailureReason, error: GateError, exchange: unknown): void
  /** The upstream broke off a response body already under way (the client's response is cut). */
  abortedResponse(exchange: unknown): void
  /** A client stopped sending its request body for longer than the body timeout. */
  stalledUpload(exchange: unknown): void
  websocketOpened(exchange: unknown): void
  websocketClosed(exchange: unknown): void
}

/** Renders an error code as an answer (status, flat headers, body) for the request that failed. */
export type RenderError = (
  error: GateError,
  requestHeaders: IncomingHttpHeaders,
  exchange: unknown,
) => {
  readonly status: number
  readonly headers: readonly string[]
  readonly body: string
}

export interface ForwarderOptions {
  /** The upstream origin, e.g. `http://127.0.0.1:8080`. */
  readonly upstream: string
  /** Keep-alive connections to the upstream, at most, for requests without a body. */
  readonly connections: number
  /** Separate connections for requests with a body, so stalled uploads cannot starve the rest. */
  readonly uploadConnections: number
  readonly connectTimeoutMs: number
  /** How long the upstream may take to send its response head. */
  readonly headersTimeoutMs: number
  /** How long the upstream may go silent within a response body. */
  readonly bodyTimeoutMs: number
  /**
   * How long a client may go silent within its request body before both sides are dropped; 0 when
   * the listener already has such a deadline (the gate's: http/deadlines.ts).
   */
  readonly requestBodyTimeoutMs: number
  /** fxa-gate's own cookie names (session, pending login): dropped from upstream Set-Cookie. */
  readonly ownCookies: readonly string[]
  /** Response headers only fxa-gate writes (lower-case; the request id): an upstream's are dropped. */
  readonly ownResponseHeaders?: readonly string[]
  readonly events: ForwardEvents
  readonly renderError: RenderError
}
