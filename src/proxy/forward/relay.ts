import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Dispatcher } from 'undici'
import { translateUpstreamError } from '../upstream-errors.ts'
import { cleanResponseHead, type ResponseHeadPolicy } from './response-head.ts'
import type { ForwardEvents, ForwardTarget, RenderError } from './types.ts'

/** What every relay shares: compiled once per forwarder. */
export interface RelayContext {
  readonly policy: ResponseHeadPolicy
  readonly events: ForwardEvents
  readonly renderError: RenderError
  readonly requestBodyTimeoutMs: number
}

/**
 * How much of a response may wait in the client connection's buffer before the upstream is paused.
 * Node's default (16 KiB) pauses and resumes the upstream socket within every response of a few
 * dozen KiB, an event-loop turn and two epoll changes each; 128 KiB lets a typical body through in
 * one go while still bounding memory per request.
 */
const RESPONSE_BUFFER = 128 * 1024

/** The abort reason for a client that stopped sending its body; recognised by identity, not text. */
const STALLED = Object.assign(new Error('request body stalled'), { code: 'FXA_GATE_REQUEST_BODY_STALLED' })

/**
 * One forwarded request, as an undici dispatch handler: relays the upstream's head and body to the
 * client as they arrive (pausing the upstream socket while the client's buffer is full), aborts the
 * upstream request when the client goes away, and turns a failure before the head into 502/504.
 * undici's raw-header callbacks are used on purpose: they hand over header lines without building
 * an object, which is the whole cost of the newer controller interface on this path.
 */
export class ResponseRelay implements Dispatcher.DispatchHandler {
  #abort: ((reason?: Error) => void) | undefined
  #finished = false
  #stall: NodeJS.Timeout | undefined
  #bytesRead = 0
  readonly #req: IncomingMessage
  readonly #res: ServerResponse
  readonly #ctx: RelayContext
  readonly #target: ForwardTarget

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: RelayContext,
    hasBody: boolean,
    target: ForwardTarget,
  ) {
    this.#req = req
    this.#res = res
    this.#ctx = ctx
    this.#target = target
    res.once('close', this.#clientClosed)
    if (hasBody && ctx.requestBodyTimeoutMs > 0) {
      // Progress is read off the socket's byte count: a 'data' listener here would start the body
      // flowing before undici reads it, and lose what arrives in between.
      this.#bytesRead = req.socket.bytesRead
      this.#stall = setInterval(this.#checkProgress, ctx.requestBodyTimeoutMs).unref()
      req.once('end', this.#bodyEnded)
    }
  }

  readonly #checkProgress = (): void => {
    const read = this.#req.socket.bytesRead
    if (read !== this.#bytesRead) this.#bytesRead = read
    else this.#stalled()
  }

  readonly #bodyEnded = (): void => {
    clearInterval(this.#stall)
    this.#stall = undefined
  }

  readonly #stalled = (): void => {
    clearInterval(this.#stall)
    this.#stall = undefined
    if (this.#finished) return
    this.#ctx.events.stalledUpload(this.#target.exchange)
    this.#abort?.(STALLED)
  }

  readonly #clientClosed = (): void => {
    clearInterval(this.#stall)
    if (!this.#finished) this.#abort?.()
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.#abort = abort
    if (this.#res.destroyed) abort()
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    const res = this.#res
    if (res.destroyed) return false
    const headers = cleanResponseHead(rawHeaders, this.#ctx.policy, status)
    const added = this.#target.responseHeaders
    if (added !== undefined) for (let i = 0; i < added.length; i++) headers.push(added[i]!)
    this.#ctx.events.answered?.(this.#target.exchange)
    if (statusText !== '') res.writeHead(status, statusText, headers)
    else res.writeHead(status, headers)
    res.on('drain', resume)
    return true
  }

  onData(chunk: Buffer): boolean {
    const res = this.#res
    res.write(chunk)
    return res.writableLength < RESPONSE_BUFFER
  }

  onComplete(): void {
    this.#finished = true
    this.#bodyEnded()
    this.#res.end()
  }

  onError(error: Error): void {
    this.#finished = true
    this.#bodyEnded()
    const res = this.#res
    if (error === STALLED) {
      // The rest of the body will never be read: the connection cannot carry another request.
      this.#req.socket.destroy()
      return
    }
    if (res.destroyed || (error as { code?: unknown }).code === 'UND_ERR_ABORTED') return
    if (res.headersSent) {
      this.#ctx.events.abortedResponse(this.#target.exchange)
      res.destroy()
      return
    }
    const failure = translateUpstreamError(error)
    const exchange = this.#target.exchange
    this.#ctx.events.upstreamError(failure.reason, failure.error, exchange)
    const answer = this.#ctx.renderError(failure.error, this.#req.headers, exchange)
    // An unread request body would be parsed as the next request: end the connection after this.
    if (!this.#req.complete) res.shouldKeepAlive = false
    res.writeHead(answer.status, [
      ...answer.headers,
      ...(this.#target.responseHeaders ?? []),
      'content-length',
      String(Buffer.byteLength(answer.body)),
    ])
    res.end(answer.body)
  }
}
