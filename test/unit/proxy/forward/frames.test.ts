import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FrameCursor } from '../../../../src/proxy/forward/frames.ts'
import { fuzzRuns, fuzzSeed } from '../../../support/fuzz.ts'

/** One websocket frame on the wire: header (7-bit, 16-bit or 64-bit length; masked or not), payload. */
function frame(length: number, masked: boolean): Buffer {
  const mask = masked ? 0x80 : 0
  const head =
    length < 126
      ? Buffer.from([0x82, mask | length])
      : length < 65536
        ? Buffer.from([0x82, mask | 126, length >> 8, length & 0xff])
        : Buffer.from([
            0x82,
            mask | 127,
            0,
            0,
            0,
            0,
            (length >>> 24) & 0xff,
            (length >> 16) & 0xff,
            (length >> 8) & 0xff,
            length & 0xff,
          ])
  return Buffer.concat([
    head,
    masked ? Buffer.from([1, 2, 3, 4]) : Buffer.alloc(0),
    Buffer.alloc(length, 0x61),
  ])
}

describe('websocket frame boundaries in a byte stream', () => {
  it('knows it is between frames after whole frames of every length form, masked or not', () => {
    for (const [length, masked] of [
      [0, false],
      [125, true],
      [126, false],
      [65535, true],
      [70000, false],
    ] as const) {
      const cursor = new FrameCursor()
      cursor.read(frame(length, masked))
      expect(cursor.atBoundary, `${length} ${masked}`).toBe(true)
    }
  })

  it('finds the end of the frame under way, however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.boolean()), { minLength: 2, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 10_000 }),
        (frames, cuts, askAt) => {
          const wire = Buffer.concat(frames.map(([length, masked]) => frame(length, masked)))
          const ends = new Set<number>()
          let at = 0
          for (const [length, masked] of frames) {
            at += frame(length, masked).length
            ends.add(at)
          }
          const ask = askAt % wire.length
          const cursor = new FrameCursor()
          // Read normally up to `ask` (in pieces), then ask where the frame under way ends.
          let read = 0
          for (const cut of cuts) {
            if (read >= ask) break
            const piece = wire.subarray(read, Math.min(ask, read + cut))
            cursor.read(piece)
            read += piece.length
          }
          // Between frames already (the start, or a frame just ended): here; otherwise the next end.
          const expected =
            read === 0 || ends.has(read) ? read : Math.min(...[...ends].filter((end) => end > read))
          expect(cursor.atBoundary).toBe(read === 0 || ends.has(read))
          let found = -1
          while (found === -1 && read < wire.length) {
            const piece = wire.subarray(read, read + 7)
            const offset = cursor.read(piece, true)
            if (offset !== -1) found = read + offset
            else read += piece.length
          }
          expect(found).toBe(expected)
        },
      ),
      { numRuns: fuzzRuns(), seed: fuzzSeed() },
    )
  })
})
