import type { IncomingMessage } from 'node:http'
import type { FastifyBaseLogger } from 'fastify'
import type { Bindings, ChildLoggerOptions } from 'pino'
import type { Logger } from './logger.ts'
import { traceIdOf } from './request-context.ts'

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'

/**
 * `request.log`: every line it writes carries the request id (and the trace id of the request's
 * `traceparent`). Unlike a pino child, making one costs a small object and nothing else; the ids are
 * merged in only when a line is actually written (denials and errors, not allowed requests).
 */
class RequestLogger {
  private readonly base: Logger
  private readonly reqId: string
  private readonly raw: IncomingMessage

  constructor(base: Logger, reqId: string, raw: IncomingMessage) {
    this.base = base
    this.reqId = reqId
    this.raw = raw
  }

  get level(): string {
    return this.base.level
  }
  set level(level: string) {
    this.base.level = level
  }

  private write(level: Level, args: unknown[]): void {
    if (!this.base.isLevelEnabled(level)) return
    const [first, ...rest] = args
    const ids: Record<string, unknown> = { reqId: this.reqId }
    const traceId = traceIdOf(this.raw)
    if (traceId !== undefined) ids['traceId'] = traceId
    const log = this.base[level].bind(this.base) as (...line: unknown[]) => void
    if (first instanceof Error) log({ ...ids, err: first }, ...rest)
    else if (typeof first === 'object' && first !== null) log({ ...ids, ...first }, ...rest)
    else log(ids, first, ...rest)
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args)
  }
  error(...args: unknown[]): void {
    this.write('error', args)
  }
  warn(...args: unknown[]): void {
    this.write('warn', args)
  }
  info(...args: unknown[]): void {
    this.write('info', args)
  }
  debug(...args: unknown[]): void {
    this.write('debug', args)
  }
  trace(...args: unknown[]): void {
    this.write('trace', args)
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.base.child({ reqId: this.reqId, ...bindings }, options) as FastifyBaseLogger
  }
}

/** fastify's `childLoggerFactory`: a request logger per request instead of a pino child. */
export function requestLoggerFactory(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  _options: ChildLoggerOptions,
  raw: unknown,
): FastifyBaseLogger {
  return new RequestLogger(
    logger as Logger,
    String(bindings['reqId']),
    raw as IncomingMessage,
  ) as unknown as FastifyBaseLogger
}
