import type { IncomingMessage } from 'node:http'
import type { Logger } from './logger.ts'

/** One span, ended exactly once; attributes set at the end describe the outcome. */
export interface SpanHandle {
  end(outcome?: {
    readonly error?: unknown
    readonly attributes?: Readonly<Record<string, string | number>>
  }): void
}

/**
 * OpenTelemetry tracing as the request pipeline sees it. Off by default: then `enabled` is false,
 * call sites skip every tracing step on that one boolean, and the SDK is never loaded.
 */
export interface Tracing {
  readonly enabled: boolean
  /**
   * Starts a request's server span, continuing the caller's `traceparent`, and runs `next` (the
   * rest of fastify's lifecycle) inside it, so dependency spans below become its children.
   */
  request(raw: IncomingMessage, next: () => void): SpanHandle
  /** A client span around one call to a dependency, child of the current request's span. */
  call<T>(name: string, attributes: Readonly<Record<string, string>>, run: () => Promise<T>): Promise<T>
  /** Starts the upstream call's span and writes its `traceparent`/`tracestate` into `headers`. */
  upstream(
    headers: Record<string, string | string[]>,
    attributes: Readonly<Record<string, string>>,
  ): SpanHandle
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>
}

const NO_SPAN: SpanHandle = { end() {} }

export const TRACING_OFF: Tracing = {
  enabled: false,
  request(_raw, next) {
    next()
    return NO_SPAN
  },
  call: (_name, _attributes, run) => run(),
  upstream: () => NO_SPAN,
  shutdown: async () => {},
}

/**
 * Tracing as configured: the SDK (`@opentelemetry/sdk-trace`, OTLP over HTTP/protobuf, the
 * standard `OTEL_*` variables) is imported only when `enabled`, so a gate without tracing loads
 * none of it.
 */
export async function startTracing(options: {
  readonly enabled: boolean
  readonly version: string
  readonly logger: Logger
  readonly env?: Readonly<Record<string, string | undefined>>
}): Promise<Tracing> {
  if (!options.enabled) return TRACING_OFF
  const { createSdkTracing } = await import('./tracing-sdk.ts')
  return createSdkTracing({ ...options, env: options.env ?? process.env })
}
