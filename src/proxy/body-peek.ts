import { PassThrough, pipeline, type Readable } from 'node:stream'
import { GateError } from '../errors.ts'

export interface PeekedBody {
  /** The first bytes of the body: at least `limit` of them unless the body is shorter. */
  readonly head: Buffer
  /** Whether `head` is the whole body. */
  readonly complete: boolean
  /** The whole body again, `head` first: what goes upstream. */
  readonly body: Readable
}

export interface PeekOptions {
  readonly limit: number
  /** Content-Length, when the client sent one: a body that long is complete without waiting for its end. */
  readonly expectedLength: number | undefined
}

/**
 * Reads the first bytes of a request body without holding more than about `limit` bytes, and hands
 * back a stream that yields the whole body unchanged, so the upstream gets it intact. A client that
 * stalls meets the listener's body-idle deadline (http/deadlines.ts: 408, connection closed), which
 * ends the wait here as a body that broke off.
 */
export function peekBody(source: Readable, options: PeekOptions): Promise<PeekedBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      chunks.push(chunk)
      size += chunk.length
      if (options.expectedLength !== undefined && size >= options.expectedLength) finish(true)
      else if (size >= options.limit) finish(false)
    }
    const onEnd = () => finish(true)
    const onError = (error: unknown) =>
      fail(new GateError('BAD_REQUEST', { detail: 'request body broke off', cause: error }))
    const onClose = () => onError(new Error('connection closed'))
    function stopListening() {
      source.off('data', onData)
      source.off('end', onEnd)
      source.off('error', onError)
      source.off('close', onClose)
    }
    function fail(error: GateError) {
      stopListening()
      source.pause()
      reject(error)
    }
    function finish(complete: boolean) {
      stopListening()
      source.pause()
      const head = Buffer.concat(chunks, size)
      const body = new PassThrough()
      body.write(head)
      // The rest flows on as the upstream reads it; an error on either side ends both.
      if (source.readableEnded) body.end()
      else pipeline(source, body, () => {})
      resolve({ head, complete, body })
    }
    source.on('data', onData)
    source.once('end', onEnd)
    source.once('error', onError)
    source.once('close', onClose)
  })
}
