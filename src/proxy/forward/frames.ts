/**
 * Where websocket frames begin and end in a byte stream (RFC 6455 §5.2), read from frame headers
 * alone: payloads are skipped, never parsed or held. The tunnel uses it to put a close frame of its
 * own between two frames of the upstream's, never inside one.
 */
export class FrameCursor {
  /** Bytes of the current frame still to come; 0 between frames (or within a header). */
  #left = 0
  /** The bytes of a frame header split across chunks. */
  #header: number[] = []

  /** Whether the stream read so far ends exactly between two frames. */
  get atBoundary(): boolean {
    return this.#left === 0 && this.#header.length === 0
  }

  /**
   * Reads `chunk`. With `stop`, stops at the first frame boundary in it and returns its offset (0
   * when the stream was between frames already); -1 when no frame ends in the chunk. Without,
   * reads the whole chunk and returns its length.
   */
  read(chunk: Buffer, stop = false): number {
    let i = 0
    while (i < chunk.length) {
      if (stop && this.atBoundary) return i
      if (this.#left > 0) {
        const take = Math.min(this.#left, chunk.length - i)
        this.#left -= take
        i += take
        continue
      }
      this.#header.push(chunk[i]!)
      i++
      const length = headerLength(this.#header)
      if (length !== undefined && this.#header.length === length) {
        this.#left = payloadLength(this.#header)
        this.#header = []
      }
    }
    if (stop) return this.atBoundary ? i : -1
    return i
  }
}

/** The full length of a header from its first bytes, once they say it. */
function headerLength(header: readonly number[]): number | undefined {
  if (header.length < 2) return undefined
  const short = header[1]! & 0x7f
  const masked = (header[1]! & 0x80) !== 0 ? 4 : 0
  return 2 + (short === 126 ? 2 : short === 127 ? 8 : 0) + masked
}

function payloadLength(header: readonly number[]): number {
  const short = header[1]! & 0x7f
  if (short < 126) return short
  if (short === 126) return (header[2]! << 8) | header[3]!
  let length = 0
  for (let i = 2; i < 10; i++) length = length * 256 + header[i]!
  return length
}

/** A close frame from a server (unmasked): 1001 "going away", with that reason. */
export const GOING_AWAY = Buffer.from([0x88, 0x0c, 0x03, 0xe9, ...Buffer.from('going away')])
