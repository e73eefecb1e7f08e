import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createMemoryNodeStore } from '../../../src/nodes/memory-node-store.ts'
import type { ReleasePolicy } from '../../../src/services/registry.ts'
import { fuzzRuns, fuzzSeed } from '../../support/fuzz.ts'

const NODES = ['https://a.test', 'https://b.test', 'https://c.test']
const RELEASE: ReleasePolicy = { rate: 0.5, intervalMs: 10_000 }

type Step =
  | { op: 'assign' | 'release'; uid: number }
  | { op: 'add' | 'capacity'; node: number; capacity: number }
  | { op: 'remove' | 'down' | 'up'; node: number }
  | { op: 'wait'; ms: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('assign' as const), uid: fc.nat(9) }) },
  fc.record({ op: fc.constant('release' as const), uid: fc.nat(9) }),
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constantFrom('add' as const, 'capacity' as const),
      node: fc.nat(2),
      capacity: fc.integer({ min: 1, max: 6 }),
    }),
  },
  fc.record({ op: fc.constantFrom('remove' as const, 'down' as const, 'up' as const), node: fc.nat(2) }),
  fc.record({ op: fc.constant('wait' as const), ms: fc.constantFrom(2_000, 10_000) }),
)

describe('the placement rule (property)', () => {
  it('counts every user on exactly one node, keeps them there while it is up, never overfills, and picks the least loaded', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
        let time = 0
        const store = createMemoryNodeStore({ clock: () => time })
        // What the users were told: uid → node and generation.
        const placed = new Map<string, { node: string; generation: number }>()
        for (const s of steps) {
          const before = new Map((await store.list('s')).map((node) => [node.url, node]))
          if (s.op === 'wait') time += s.ms
          else if (s.op === 'add') await store.add('s', NODES[s.node]!, s.capacity, RELEASE)
          else if (s.op === 'capacity') await store.setCapacity('s', NODES[s.node]!, s.capacity)
          else if (s.op === 'remove') await store.remove('s', NODES[s.node]!)
          else if (s.op === 'down' || s.op === 'up') await store.setDown('s', NODES[s.node]!, s.op === 'down')
          else if (s.op === 'release') {
            await store.release('s', `u${s.uid}`)
            placed.delete(`u${s.uid}`)
          } else if (s.op === 'assign') {
            const uid = `u${s.uid}`
            const had = placed.get(uid)
            const result = await store.assign('s', uid, RELEASE)
            const live = had && before.get(had.node)
            const kept = live !== undefined && live.generation === had!.generation && !live.down
            if (kept) expect(result).toEqual({ kind: 'kept', ...had })
            if (result.kind === 'kept' || result.kind === 'new' || result.kind === 'moved') {
              expect(result.kind).toBe(kept ? 'kept' : had ? 'moved' : 'new')
              placed.set(uid, { node: result.node, generation: result.generation })
              if (result.kind !== 'kept') {
                const chosen = before.get(result.node)!
                expect(chosen.down).toBe(false)
                expect(chosen.users).toBeLessThan(chosen.capacity)
                // No eligible node was less loaded (a budget may be due for release: any with room).
                for (const other of before.values()) {
                  if (other.down || other.users >= other.capacity || other.url === had?.node) continue
                  if (
                    result.kind === 'new' &&
                    other.available <= 0 &&
                    time - other.releasedAt < RELEASE.intervalMs
                  )
                    continue
                  expect(chosen.users * other.capacity).toBeLessThanOrEqual(other.users * chosen.capacity)
                }
              }
            } else placed.delete(uid)
          }
          // Every node's count is the users placed on it (under its generation).
          for (const node of await store.list('s')) {
            const on = [...placed.values()].filter(
              (p) => p.node === node.url && p.generation === node.generation,
            )
            expect(node.users).toBe(on.length)
            expect(node.available).toBeGreaterThanOrEqual(0)
            expect(node.available).toBeLessThanOrEqual(Math.max(0, node.capacity - node.users))
          }
        }
      }),
      { numRuns: fuzzRuns(), seed: fuzzSeed() },
    )
  }, 120_000)
})
