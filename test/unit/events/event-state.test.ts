import { expect, it } from 'vitest'
import { createMemoryEventState } from '../../../src/events/event-state.ts'
import { eventStateContract } from './event-state-contract.ts'

eventStateContract('memory', async () => ({ state: createMemoryEventState(), cleanup: async () => {} }))

it('memory: forgets the oldest events beyond its bound', async () => {
  const state = createMemoryEventState({ maxEvents: 3 })
  for (const id of ['a', 'b', 'c', 'd']) {
    await state.claim(id, 60_000)
    await state.complete(id, 60_000)
  }
  expect(await state.claim('a', 60_000)).toBe('claimed')
  expect(await state.claim('d', 60_000)).toBe('done')
})
