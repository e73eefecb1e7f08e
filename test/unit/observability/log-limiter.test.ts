import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogLimiter } from '../../../src/observability/log-limiter.ts'
import { createLogger } from '../../../src/observability/logger.ts'

function capture() {
  const lines: Array<Record<string, unknown>> = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line))
      done()
    },
  })
  return { lines, logger: createLogger({ level: 'info', destination }) }
}

describe('the dependency failure log limiter', () => {
  it('writes the first failure at once and the rest of the burst as one counted line', async () => {
    const { lines, logger } = capture()
    let now = 0
    const limiter = createLogLimiter(logger, { intervalMs: 30, now: () => now })
    for (let i = 0; i < 100; i++)
      limiter.failure('STORE_UNAVAILABLE', { detail: 'ping: unavailable' }, 'request failed')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ code: 'STORE_UNAVAILABLE', count: 1, detail: 'ping: unavailable' })
    now = 30
    await new Promise((resolve) => setTimeout(resolve, 40))
    expect(lines).toHaveLength(2)
    expect(lines[1]).toMatchObject({ code: 'STORE_UNAVAILABLE', count: 99 })
    expect(JSON.stringify(lines)).not.toContain('stack')
    limiter.close()
  })

  it('keeps codes apart and flushes what is pending on close', () => {
    const { lines, logger } = capture()
    const limiter = createLogLimiter(logger, { intervalMs: 60_000, now: () => 0 })
    limiter.failure('STORE_UNAVAILABLE', {}, 'x')
    limiter.failure('PROVIDER_UNAVAILABLE', {}, 'y')
    limiter.failure('STORE_UNAVAILABLE', {}, 'x')
    limiter.failure('STORE_UNAVAILABLE', {}, 'x')
    expect(lines.map((line) => line['code'])).toEqual(['STORE_UNAVAILABLE', 'PROVIDER_UNAVAILABLE'])
    limiter.close()
    expect(lines.at(-1)).toMatchObject({ code: 'STORE_UNAVAILABLE', count: 2 })
    const total = lines
      .filter((line) => line['code'] === 'STORE_UNAVAILABLE')
      .reduce((sum, line) => sum + Number(line['count']), 0)
    expect(total).toBe(3)
  })
})
