import { describe, expect, it } from 'vitest'
import { createCommandRunner } from '../../../src/redis/deadline.ts'
import { RedisFault } from '../../../src/redis/errors.ts'

describe('per-command deadlines', () => {
  it('passes an answer through', async () => {
    expect(await createCommandRunner(50)('op', async () => 'ok')).toBe('ok')
  })

  it('gives up at the deadline with a timeout fault, whatever the command does afterwards', async () => {
    const run = createCommandRunner(20)
    let reject: (error: Error) => void = () => {}
    const never = new Promise<string>((_, r) => {
      reject = r
    })
    const started = performance.now()
    const error = await run('session read', () => never).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RedisFault)
    expect((error as RedisFault).kind).toBe('timeout')
    expect(performance.now() - started).toBeGreaterThanOrEqual(19)
    // A late failure is swallowed, not an unhandled rejection.
    reject(new Error('Connection is closed.'))
    await new Promise((resolve) => setTimeout(resolve, 5))
  })

  it('allows extra time to a command that waits on purpose', async () => {
    const run = createCommandRunner(10)
    const late = () => new Promise<string>((resolve) => setTimeout(() => resolve('acked'), 30))
    expect(await run('wait', late, 100)).toBe('acked')
  })

  it('translates failures and synchronous throws', async () => {
    const run = createCommandRunner(50)
    const failed = await run('op', async () => {
      throw new Error('Connection is closed.')
    }).catch((e: unknown) => e)
    expect((failed as RedisFault).kind).toBe('unavailable')
    const thrown = await run('op', () => {
      throw new Error("Stream isn't writeable")
    }).catch((e: unknown) => e)
    expect((thrown as RedisFault).kind).toBe('unavailable')
  })
})
