import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createMemoryNodeStore } from '../../src/nodes/memory-node-store.ts'
import { createRedisNodeStore, nodeKeys } from '../../src/nodes/redis-node-store.ts'
import type { NodeStore } from '../../src/nodes/types.ts'
import type { ReleasePolicy } from '../../src/services/registry.ts'
import { fuzzRuns, fuzzSeed } from '../support/fuzz.ts'
import { testLayer } from './redis-harness.ts'

const NODES = ['https://a.test', 'https://b.test', 'https://c.test']
const RELEASE: ReleasePolicy = { rate: 0.34, intervalMs: 10_000 }

type Operation =
  | { op: 'assign' | 'current' | 'release'; uid: number }
  | { op: 'add' | 'capacity'; node: number; capacity: number }
  | { op: 'remove' | 'down' | 'up'; node: number }
  | { op: 'wait'; ms: number }

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('assign' as const), uid: fc.nat(7) }) },
  fc.record({ op: fc.constantFrom('current' as const, 'release' as const), uid: fc.nat(7) }),
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('add' as const),
      node: fc.nat(2),
      capacity: fc.integer({ min: 1, max: 5 }),
    }),
  },
  fc.record({
    op: fc.constant('capacity' as const),
    node: fc.nat(2),
    capacity: fc.integer({ min: 1, max: 5 }),
  }),
  fc.record({ op: fc.constantFrom('remove' as const, 'down' as const, 'up' as const), node: fc.nat(2) }),
  fc.record({ op: fc.constant('wait' as const), ms: fc.constantFrom(1_000, 5_000, 10_000) }),
)

async function apply(store: NodeStore, service: string, step: Operation): Promise<unknown> {
  switch (step.op) {
    case 'assign':
      return store.assign(service, `u${step.uid}`, RELEASE)
    case 'current':
      return store.current(service, `u${step.uid}`)
    case 'release':
      return store.release(service, `u${step.uid}`)
    case 'add':
      return store.add(service, NODES[step.node]!, step.capacity, RELEASE)
    case 'capacity':
      return store.setCapacity(service, NODES[step.node]!, step.capacity)
    case 'remove':
      return store.remove(service, NODES[step.node]!)
    case 'down':
    case 'up':
      return store.setDown(service, NODES[step.node]!, step.op === 'down')
    case 'wait':
      return undefined
  }
}

describe('the Redis node store follows the placement rule exactly as the memory store does', () => {
  const layer = testLayer(inject('redisUrl'), `nodeprop:${randomUUID()}:`)
  let time = Date.parse('2030-01-01T00:00:00Z')
  const clock = () => time
  const shared = createRedisNodeStore({ redis: layer, clock })
  beforeAll(async () => {
    await layer.ready(10_000)
  })
  afterAll(async () => {
    await shared.close()
    await layer.close()
  })

  it('gives the same answer to every operation, and ends in the same state (property)', async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 14 }), async (steps) => {
        const service = `p${run++}`
        const memory = createMemoryNodeStore({ clock })
        try {
          for (const step of steps) {
            if (step.op === 'wait') time += step.ms
            const [expected, actual] = [
              await apply(memory, service, step),
              await apply(shared, service, step),
            ]
            expect(actual, JSON.stringify(step)).toEqual(expected)
          }
          expect(await shared.list(service)).toEqual(await memory.list(service))
        } finally {
          await layer.commands.del(...nodeKeys(layer, service))
        }
      }),
      { numRuns: fuzzRuns(), seed: fuzzSeed() },
    )
  }, 600_000)
})
