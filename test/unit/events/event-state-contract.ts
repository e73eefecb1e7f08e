import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it, type TestContext } from 'vitest'
import type { EventStateStore } from '../../../src/events/event-state.ts'

export interface EventStateUnderTest {
  readonly state: EventStateStore
  /** Another instance over the same backend, for shared stores. */
  readonly peer?: EventStateStore
  cleanup(): Promise<void>
}

/** What every EventStateStore does; `make` gives a fresh, empty one per test. Lifetimes are real time. */
export function eventStateContract(name: string, make: () => Promise<EventStateUnderTest>): void {
  const open = async (context: TestContext) => {
    const subject = await make()
    context.onTestFinished(() => subject.cleanup())
    return subject
  }

  describe.concurrent(`${name} (EventStateStore contract)`, () => {
    it('lets one delivery claim an event; a second sees it busy, then done once completed', async (context) => {
      const { state, peer } = await open(context)
      const other = peer ?? state
      expect(await state.claim('e1', 10_000)).toBe('claimed')
      expect(await other.claim('e1', 10_000)).toBe('busy')
      await state.complete('e1', 10_000)
      expect(await other.claim('e1', 10_000)).toBe('done')
      expect(await state.claim('e1', 10_000)).toBe('done')
    })

    it('gives a released claim back, but never a completed one', async (context) => {
      const { state } = await open(context)
      expect(await state.claim('e1', 10_000)).toBe('claimed')
      await state.release('e1')
      expect(await state.claim('e1', 10_000)).toBe('claimed')
      await state.complete('e1', 10_000)
      await state.release('e1')
      expect(await state.claim('e1', 10_000)).toBe('done')
    })

    it('forgets a claim at the end of its lease, and a done event after its memory', async (context) => {
      const { state } = await open(context)
      expect(await state.claim('e1', 100)).toBe('claimed')
      expect(await state.claim('e2', 10_000)).toBe('claimed')
      await state.complete('e2', 100)
      await sleep(250)
      expect(await state.claim('e1', 10_000)).toBe('claimed')
      expect(await state.claim('e2', 10_000)).toBe('claimed')
    })

    it('records change times per user and stream, refusing only older ones', async (context) => {
      const { state, peer } = await open(context)
      const other = peer ?? state
      expect(await state.advance('u1', ['cap:a', 'cap:b'], 2000, 60_000)).toEqual(['cap:a', 'cap:b'])
      expect(await other.advance('u1', ['cap:a'], 1000, 60_000)).toEqual([])
      expect(await other.advance('u1', ['cap:a', 'cap:c'], 1000, 60_000)).toEqual(['cap:c'])
      expect(await state.advance('u1', ['cap:b'], 2000, 60_000)).toEqual(['cap:b']) // the same change again
      expect(await state.advance('u1', ['cap:a', 'cap:b'], 3000, 60_000)).toEqual(['cap:a', 'cap:b'])
      expect(await state.advance('u2', ['cap:a'], 1000, 60_000)).toEqual(['cap:a'])
      expect(await state.advance('u1', [], 5000, 60_000)).toEqual([])
    })

    it('forgets a user entirely', async (context) => {
      const { state } = await open(context)
      await state.advance('u1', ['cap:a'], 2000, 60_000)
      await state.forgetUser('u1')
      expect(await state.advance('u1', ['cap:a'], 1000, 60_000)).toEqual(['cap:a'])
    })

    it('forgets change times after their lifetime', async (context) => {
      const { state } = await open(context)
      await state.advance('u1', ['cap:a'], 2000, 100)
      await sleep(250)
      expect(await state.advance('u1', ['cap:a'], 1000, 60_000)).toEqual(['cap:a'])
    })

    it('keeps ms change times exact', async (context) => {
      const { state } = await open(context)
      await state.advance('u1', ['cap:a'], 1_700_000_000_001, 60_000)
      expect(await state.advance('u1', ['cap:a'], 1_700_000_000_000, 60_000)).toEqual([])
      expect(await state.advance('u1', ['cap:a'], 1_700_000_000_001, 60_000)).toEqual(['cap:a'])
    })
  })
}
