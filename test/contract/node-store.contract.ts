import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { NodeStore } from '../../src/nodes/types.ts'
import type { ReleasePolicy } from '../../src/services/registry.ts'

export interface NodeStoreUnderTest {
  readonly store: NodeStore
  /** Another replica on the same data, or null for a store that is one process's. */
  peer(): Promise<NodeStore> | null
  readonly clock: { advance(ms: number): void }
  cleanup(): Promise<void>
}

const EVERYONE: ReleasePolicy = { rate: 1, intervalMs: 60_000 }
const SLOW: ReleasePolicy = { rate: 0.1, intervalMs: 60_000 }
const A = 'https://a.nodes.test'
const B = 'https://b.nodes.test'
const C = 'http://10.0.0.3:8080/v1'

async function assigned(store: NodeStore, service: string, uid: string, release = EVERYONE) {
  const result = await store.assign(service, uid, release)
  if (result.kind === 'full' || result.kind === 'none') throw new Error(`${uid}: ${result.kind}`)
  return result
}

/** One suite for every node store: the placement rule of docs/services.md, held alike by each. */
export function nodeStoreContract(name: string, open: () => Promise<NodeStoreUnderTest>): void {
  describe(`node store contract: ${name}`, () => {
    let subject: NodeStoreUnderTest
    let store: NodeStore
    beforeEach(async () => {
      subject = await open()
      store = subject.store
    })
    afterEach(async () => {
      await subject.cleanup()
    })

    it('has no node for a service without nodes', async () => {
      expect(await store.assign('empty', 'u1', EVERYONE)).toEqual({ kind: 'none' })
      expect(await store.list('empty')).toEqual([])
      expect(await store.current('empty', 'u1')).toBeUndefined()
    })

    it('places new users on the least-loaded node and keeps each on theirs', async () => {
      await store.add('svc', A, 10, EVERYONE)
      await store.add('svc', B, 30, EVERYONE)
      const placed = []
      for (let i = 0; i < 8; i++) placed.push((await assigned(store, 'svc', `u${i}`)).node)
      // Load is users / capacity: B (30) takes three users for each of A's (10).
      expect(placed.filter((node) => node === A)).toHaveLength(2)
      expect(placed.filter((node) => node === B)).toHaveLength(6)
      for (let i = 0; i < 8; i++) {
        const again = await assigned(store, 'svc', `u${i}`)
        expect(again.kind).toBe('kept')
        expect(again.node).toBe(placed[i])
      }
      const nodes = await store.list('svc')
      expect(nodes.map((node) => [node.url, node.users])).toEqual([
        [A, 2],
        [B, 6],
      ])
    })

    it('breaks ties by users, then by the node added first', async () => {
      await store.add('svc', B, 5, EVERYONE)
      await store.add('svc', A, 5, EVERYONE)
      expect((await assigned(store, 'svc', 'first')).node).toBe(B)
      expect((await assigned(store, 'svc', 'second')).node).toBe(A)
    })

    it('bounds users by capacity: a one-user node is full for the second user', async () => {
      await store.add('svc', A, 1, EVERYONE)
      expect((await assigned(store, 'svc', 'one')).kind).toBe('new')
      const second = await store.assign('svc', 'two', EVERYONE)
      expect(second.kind).toBe('full')
      if (second.kind === 'full') expect(second.retryAfterMs).toBeGreaterThanOrEqual(1000)
      // The first user still has their place.
      expect((await assigned(store, 'svc', 'one')).kind).toBe('kept')
    })

    it('releases capacity slowly: a tenth of it per interval', async () => {
      await store.add('svc', A, 100, SLOW)
      for (let i = 0; i < 10; i++) expect((await assigned(store, 'svc', `u${i}`, SLOW)).node).toBe(A)
      const refused = await store.assign('svc', 'u10', SLOW)
      expect(refused).toEqual({ kind: 'full', retryAfterMs: 60_000 })
      subject.clock.advance(30_000)
      expect(await store.assign('svc', 'u10', SLOW)).toEqual({ kind: 'full', retryAfterMs: 30_000 })
      subject.clock.advance(30_000)
      for (let i = 10; i < 20; i++) expect((await assigned(store, 'svc', `u${i}`, SLOW)).kind).toBe('new')
      expect((await store.assign('svc', 'u20', SLOW)).kind).toBe('full')
      // Known users are never refused for the budget.
      expect((await assigned(store, 'svc', 'u3', SLOW)).kind).toBe('kept')
      const [node] = await store.list('svc')
      expect(node).toMatchObject({ url: A, capacity: 100, users: 20, available: 0 })
    })

    it('never releases more than the room left', async () => {
      await store.add('svc', A, 3, { rate: 1, intervalMs: 1000 })
      for (const uid of ['a', 'b', 'c']) await assigned(store, 'svc', uid, { rate: 1, intervalMs: 1000 })
      subject.clock.advance(5_000)
      expect((await store.assign('svc', 'd', { rate: 1, intervalMs: 1000 })).kind).toBe('full')
    })

    it("moves a downed node's users on their next request, and they stay after it is up", async () => {
      await store.add('svc', A, 10, EVERYONE)
      const first = await assigned(store, 'svc', 'mover')
      expect(first.node).toBe(A)
      await store.add('svc', B, 10, EVERYONE)
      expect(await store.setDown('svc', A, true)).toBe('changed')
      expect(await store.current('svc', 'mover')).toBeUndefined()
      const moved = await assigned(store, 'svc', 'mover')
      expect(moved).toMatchObject({ kind: 'moved', node: B })
      expect(await store.setDown('svc', A, false)).toBe('changed')
      expect(await assigned(store, 'svc', 'mover')).toMatchObject({ kind: 'kept', node: B })
      expect(await store.current('svc', 'mover')).toBe(B)
      const nodes = Object.fromEntries((await store.list('svc')).map((node) => [node.url, node]))
      expect(nodes[A]).toMatchObject({ users: 0, down: false })
      expect(nodes[B]).toMatchObject({ users: 1 })
    })

    it('keeps the users of a node that comes back before they return', async () => {
      await store.add('svc', A, 10, EVERYONE)
      await store.add('svc', B, 10, EVERYONE)
      const before = await assigned(store, 'svc', 'patient')
      await store.setDown('svc', before.node, true)
      await store.setDown('svc', before.node, false)
      expect(await assigned(store, 'svc', 'patient')).toMatchObject({ kind: 'kept', node: before.node })
    })

    it('moves users past the budget (they are not new), but never past capacity', async () => {
      await store.add('svc', A, 100, SLOW)
      for (let i = 0; i < 10; i++) await assigned(store, 'svc', `u${i}`, SLOW)
      await store.add('svc', B, 12, SLOW)
      // B's first release is 2 new users; ten movers still fit in its capacity of 12.
      await store.setDown('svc', A, true)
      for (let i = 0; i < 10; i++) expect((await assigned(store, 'svc', `u${i}`, SLOW)).node).toBe(B)
      expect((await assigned(store, 'svc', 'new1', SLOW)).node).toBe(B)
      expect((await assigned(store, 'svc', 'new2', SLOW)).node).toBe(B)
      expect((await store.assign('svc', 'new3', SLOW)).kind).toBe('full')
    })

    it('refuses with a wait when every node is down', async () => {
      await store.add('svc', A, 10, EVERYONE)
      await store.setDown('svc', A, true)
      expect(await store.assign('svc', 'u', EVERYONE)).toEqual({ kind: 'full', retryAfterMs: 60_000 })
    })

    it('forgets the users of a removed node, even when the same URL is added again', async () => {
      await store.add('svc', A, 10, EVERYONE)
      await assigned(store, 'svc', 'old')
      expect(await store.remove('svc', A)).toBe('changed')
      expect(await store.remove('svc', A)).toBe('missing')
      expect(await store.current('svc', 'old')).toBeUndefined()
      expect(await store.assign('svc', 'old', EVERYONE)).toEqual({ kind: 'none' })
      await store.add('svc', A, 10, EVERYONE)
      expect(await assigned(store, 'svc', 'old')).toMatchObject({ kind: 'new', node: A })
      const [node] = await store.list('svc')
      expect(node?.users).toBe(1)
    })

    it('seeds a configured node once, and never one an operator removed', async () => {
      expect(await store.seed('svc', A, 5, EVERYONE)).toBe('added')
      expect(await store.seed('svc', A, 7, EVERYONE)).toBe('known')
      expect(await store.add('svc', A, 9, EVERYONE)).toBe('exists')
      expect((await store.list('svc'))[0]?.capacity).toBe(5)
      await store.remove('svc', A)
      expect(await store.seed('svc', A, 5, EVERYONE)).toBe('known')
      expect(await store.list('svc')).toEqual([])
      await store.add('svc', B, 3, EVERYONE)
      expect(await store.seed('svc', B, 3, EVERYONE)).toBe('known')
    })

    it('changes capacity without moving anyone', async () => {
      await store.add('svc', A, 10, EVERYONE)
      for (const uid of ['a', 'b', 'c']) await assigned(store, 'svc', uid)
      expect(await store.setCapacity('svc', A, 2)).toBe('changed')
      expect((await store.assign('svc', 'd', EVERYONE)).kind).toBe('full')
      expect((await assigned(store, 'svc', 'a')).kind).toBe('kept')
      expect(await store.setCapacity('svc', C, 2)).toBe('missing')
      expect(await store.setDown('svc', C, true)).toBe('missing')
    })

    it("frees a deleted user's place", async () => {
      await store.add('svc', A, 1, EVERYONE)
      await assigned(store, 'svc', 'gone')
      await store.release('svc', 'gone')
      await store.release('svc', 'never-there')
      expect((await store.list('svc'))[0]?.users).toBe(0)
      // The place is free again, for the next release (the budget of this one was spent).
      expect((await store.assign('svc', 'next', EVERYONE)).kind).toBe('full')
      subject.clock.advance(60_000)
      expect((await assigned(store, 'svc', 'next')).kind).toBe('new')
      expect((await store.list('svc'))[0]?.users).toBe(1)
    })

    it('keeps services and users apart, whatever their names hold', async () => {
      await store.add('a', A, 10, EVERYONE)
      await store.add('a-b', B, 10, EVERYONE)
      const odd = ['u 1', 'u:1', 'ü{1}', '1 https://b.nodes.test', '']
      for (const uid of odd) expect((await assigned(store, 'a', uid)).node).toBe(A)
      for (const uid of odd) expect((await assigned(store, 'a-b', uid)).node).toBe(B)
      for (const uid of odd) expect(await store.current('a', uid)).toBe(A)
      expect((await store.list('a'))[0]?.users).toBe(odd.length)
    })

    it('places concurrent users atomically: never more than capacity', async () => {
      await store.add('svc', A, 7, EVERYONE)
      await store.add('svc', B, 3, EVERYONE)
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => store.assign('svc', `c${i}`, EVERYONE)),
      )
      expect(results.filter((result) => result.kind === 'new')).toHaveLength(10)
      expect(results.filter((result) => result.kind === 'full')).toHaveLength(30)
      const users = Object.fromEntries((await store.list('svc')).map((node) => [node.url, node.users]))
      expect(users).toEqual({ [A]: 7, [B]: 3 })
    })

    it('shares assignments and announcements with another replica', async () => {
      const peering = subject.peer()
      if (peering === null) return
      const peer = await peering
      await store.add('svc', A, 10, EVERYONE)
      await store.add('svc', B, 10, EVERYONE)
      const mine = await assigned(store, 'svc', 'shared')
      expect(await assigned(peer, 'svc', 'shared')).toMatchObject({ kind: 'kept', node: mine.node })
      const heard: (string | undefined)[] = []
      peer.onChange((service) => heard.push(service))
      await store.announce('svc')
      for (let i = 0; i < 100 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 20))
      expect(heard).toEqual(['svc'])
      expect(peer.changesLive()).toBe(true)
    })
  })
}
