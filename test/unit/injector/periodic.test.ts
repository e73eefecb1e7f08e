import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { repeatEvery } from '../../../src/injector/periodic.ts'

describe('repeatEvery', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('never runs the task twice at once, and goes on after a failure', async () => {
    let release = (): void => {}
    let runs = 0
    const errors: unknown[] = []
    const stop = repeatEvery(
      1000,
      async () => {
        runs++
        if (runs === 1) await new Promise<void>((resolve) => (release = resolve))
        if (runs === 2) throw new Error('API server away')
      },
      (error) => errors.push(error),
    )
    await vi.advanceTimersByTimeAsync(5000)
    expect(runs).toBe(1)
    release()
    await vi.advanceTimersByTimeAsync(2000)
    expect(runs).toBe(3)
    expect(errors).toEqual([new Error('API server away')])
    stop()
    await vi.advanceTimersByTimeAsync(5000)
    expect(runs).toBe(3)
  })
})
