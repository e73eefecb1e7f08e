import { describe, expect, it } from 'vitest'
import { createSingleFlight } from '../../../src/session/single-flight.ts'

function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

describe('single flight', () => {
  it('runs one load for concurrent callers of a key, and hands them all its result', async () => {
    const flights = createSingleFlight<string, number>()
    const gate = deferred<number>()
    let loads = 0
    const load = () => {
      loads++
      return gate.promise
    }
    const callers = Array.from({ length: 50 }, () => flights.run('k', load))
    expect(flights.size).toBe(1)
    gate.resolve(7)
    expect(await Promise.all(callers)).toEqual(Array(50).fill(7))
    expect(loads).toBe(1)
    expect(flights.size).toBe(0)
  })

  it('keeps keys apart', async () => {
    const flights = createSingleFlight<string, string>()
    const [a, b] = await Promise.all([flights.run('a', async () => 'A'), flights.run('b', async () => 'B')])
    expect([a, b]).toEqual(['A', 'B'])
  })

  it('shares a failure, then lets the next caller try again', async () => {
    const flights = createSingleFlight<string, number>()
    const gate = deferred<number>()
    const first = flights.run('k', () => gate.promise)
    const second = flights.run('k', async () => 1)
    gate.reject(new Error('store down'))
    await expect(first).rejects.toThrow('store down')
    await expect(second).rejects.toThrow('store down')
    expect(await flights.run('k', async () => 2)).toBe(2)
  })

  it('turns a load that throws synchronously into a rejection', async () => {
    const flights = createSingleFlight<string, number>()
    await expect(
      flights.run('k', () => {
        throw new Error('sync')
      }),
    ).rejects.toThrow('sync')
    expect(flights.size).toBe(0)
  })

  it('starts a fresh load after forget, and the old load does not evict the new one', async () => {
    const flights = createSingleFlight<string, string>()
    const before = deferred<string>()
    const after = deferred<string>()
    const early = flights.run('k', () => before.promise)
    flights.forget('k') // e.g. the session was logged out while the read was under way
    const late = flights.run('k', () => after.promise)
    before.resolve('pre-logout record')
    expect(await early).toBe('pre-logout record')
    // The old flight finishing must not remove the new one: a third caller joins the new load.
    const third = flights.run('k', async () => 'unexpected third load')
    after.resolve('post-logout answer')
    expect(await late).toBe('post-logout answer')
    expect(await third).toBe('post-logout answer')
  })

  it('forgetAll lets every key load afresh', async () => {
    const flights = createSingleFlight<string, number>()
    const gate = deferred<number>()
    void flights.run('a', () => gate.promise)
    void flights.run('b', () => gate.promise)
    flights.forgetAll()
    expect(flights.size).toBe(0)
    expect(await flights.run('a', async () => 3)).toBe(3)
    gate.resolve(0)
  })
})
