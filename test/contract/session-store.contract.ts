import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it, type TestContext } from 'vitest'
import type { Invalidation, SessionKey, SessionRecord, SessionStore } from '../../src/session/types.ts'

export interface StoreUnderTest {
  store: SessionStore
  /** A fake clock the store reads, or null when lifetimes run in real time. */
  clock: { now(): number; advance(ms: number): void } | null
  cleanup(): Promise<void>
  /** Another store on the same backend and prefix (its own connections), for shared stores. */
  peer?(): Promise<SessionStore>
  /** Writes unreadable data where the session is stored. */
  corrupt?(key: SessionKey): Promise<void>
  /** Whether the backend still holds the user's index. */
  hasUserIndex?(uid: string): Promise<boolean>
}

export interface ContractOptions {
  /** Length of one step of the lifetime tests, in ms: a fake-clock advance or a real wait. */
  unit?: number
  /** Retries of a failed test: real-time lifetimes can overshoot on a starved machine. */
  retry?: number
}

/**
 * The requirements every SessionStore meets. `make` builds a fresh store (ready, invalidations live)
 * over an empty key space for each test.
 */
export function sessionStoreContract(
  name: string,
  make: () => Promise<StoreUnderTest>,
  options: ContractOptions = {},
): void {
  const T = options.unit ?? 1000

  /** A fresh store for one test, closed when the test ends; tests run concurrently. */
  const open = async (context: TestContext) => {
    const subject = await make()
    context.onTestFinished(() => subject.cleanup())
    const now = (): number => subject.clock?.now() ?? Date.now()
    const elapse = async (ms: number): Promise<void> => {
      if (subject.clock) subject.clock.advance(ms)
      else await sleep(ms)
    }
    const record = (overrides: Partial<SessionRecord> = {}): SessionRecord => ({
      v: 1,
      uid: 'uid-alice',
      email: 'alice@example.com',
      displayName: 'Alice',
      locale: 'en-US',
      avatar: null,
      subscriptions: ['premium'],
      scopes: ['openid', 'profile'],
      loginAt: now(),
      expiresAt: now() + 1000 * T,
      aal: 2,
      amr: ['pwd', 'otp'],
      tokens: 'sealed.tokens',
      ...overrides,
    })
    return { subject, store: subject.store, now, elapse, record }
  }

  describe.concurrent(`${name} (SessionStore contract)`, { retry: options.retry ?? 0 }, () => {
    it('returns what it stored', async (context) => {
      const { store, record } = await open(context)
      const stored = record()
      await store.create('k1', stored, 10 * T)
      expect(await store.get('k1', 10 * T)).toEqual(stored)
    })

    it('returns null for unknown keys', async (context) => {
      const { store, record } = await open(context)
      expect(await store.get('nobody', 10 * T)).toBeNull()
      expect(await store.update('nobody', record())).toBe(false)
      expect(await store.delete('nobody')).toBeNull()
      expect(await store.listByUser('uid-nobody')).toEqual([])
      expect(await store.deleteByUser('uid-nobody')).toEqual([])
    })

    it('forgets a session at its idle lifetime', async (context) => {
      const { store, elapse, record } = await open(context)
      await store.create('k1', record(), 2 * T)
      await elapse(3 * T)
      expect(await store.get('k1', 2 * T)).toBeNull()
      expect(await store.listByUser('uid-alice')).toEqual([])
    })

    it('extends the idle lifetime on read', async (context) => {
      const { store, elapse, record } = await open(context)
      await store.create('k1', record(), 2 * T)
      await elapse(1.5 * T)
      expect(await store.get('k1', 2 * T)).not.toBeNull()
      await elapse(1.5 * T) // 3 T after creation, 1.5 T after the read
      expect(await store.get('k1', 2 * T)).not.toBeNull()
      await elapse(2.5 * T)
      expect(await store.get('k1', 2 * T)).toBeNull()
    })

    it('never extends a session past its absolute lifetime', async (context) => {
      const { store, now, elapse, record } = await open(context)
      await store.create('k1', record({ expiresAt: now() + 3 * T }), 2 * T)
      await elapse(1.5 * T)
      expect(await store.get('k1', 2 * T)).not.toBeNull()
      await elapse(T) // 2.5 T: alive, but the read may only extend it to 3 T
      expect(await store.get('k1', 2 * T)).not.toBeNull()
      await elapse(T)
      expect(await store.get('k1', 2 * T)).toBeNull()
    })

    it('caps the lifetime of a new session at its absolute deadline', async (context) => {
      const { store, now, elapse, record } = await open(context)
      await store.create('k1', record({ expiresAt: now() + 2 * T }), 100 * T)
      await elapse(2.5 * T)
      expect(await store.get('k1', 100 * T)).toBeNull()
    })

    it('peek reads a session without extending its idle lifetime', async (context) => {
      const { store, elapse, record } = await open(context)
      const stored = record()
      await store.create('k1', stored, 2 * T)
      expect(await store.peek('nobody')).toBeNull()
      await elapse(1.5 * T)
      expect(await store.peek('k1')).toEqual(stored)
      await elapse(T) // 2.5 T after creation: a get at 1.5 T would have kept it alive
      expect(await store.peek('k1')).toBeNull()
      expect(await store.get('k1', 2 * T)).toBeNull()
    })

    it('inspect reads a session and its idle deadline without extending it', async (context) => {
      const { store, elapse, record, now } = await open(context)
      const stored = record()
      await store.create('k1', stored, 4 * T)
      expect(await store.inspect('nobody')).toBeNull()
      await elapse(T)
      const first = await store.inspect('k1')
      expect(first?.record).toEqual(stored)
      // Created at 0 with 4 T of idle lifetime: it ends at 4 T, whatever the inspection.
      const createdAt = now() - T
      expect(first!.endsAt).toBeGreaterThan(createdAt + 3.5 * T)
      expect(first!.endsAt).toBeLessThanOrEqual(createdAt + 4 * T + 50)
      await store.get('k1', 4 * T) // a request at T moves the idle deadline to 5 T
      const second = await store.inspect('k1')
      expect(second!.endsAt).toBeGreaterThan(first!.endsAt + 0.5 * T)
      await elapse(4.5 * T) // 5.5 T: past the deadline the get set
      expect(await store.inspect('k1')).toBeNull()
    })

    it('inspect never reports an idle deadline past the absolute one', async (context) => {
      const { store, record, now } = await open(context)
      const stored = record({ expiresAt: now() + 2 * T })
      await store.create('k1', stored, 100 * T)
      const inspected = await store.inspect('k1')
      expect(inspected!.endsAt).toBeLessThanOrEqual(stored.expiresAt + 50)
    })

    it('update replaces the record', async (context) => {
      const { store, record } = await open(context)
      await store.create('k1', record(), 10 * T)
      const changed = record({ displayName: 'Alice B.', subscriptions: [] })
      expect(await store.update('k1', changed)).toBe(true)
      expect(await store.get('k1', 10 * T)).toEqual(changed)
    })

    it('update with expected tokens replaces the record only while it still holds them', async (context) => {
      const { store, record } = await open(context)
      await store.create('k1', record({ tokens: 'sealed-1' }), 10 * T)
      const rotated = record({ tokens: 'sealed-2' })
      expect(await store.update('k1', rotated, { tokens: 'sealed-1' })).toBe(true)
      // A writer that read the record before the rotation must not put the old tokens back.
      expect(
        await store.update('k1', record({ tokens: 'sealed-1', displayName: 'stale' }), {
          tokens: 'sealed-1',
        }),
      ).toBe(false)
      expect(await store.get('k1', 10 * T)).toEqual(rotated)
      expect(await store.update('nobody', rotated, { tokens: 'sealed-2' })).toBe(false)
    })

    it('update replaces the record without extending it', async (context) => {
      const { store, elapse, record } = await open(context)
      await store.create('k1', record(), 2 * T)
      await elapse(T)
      expect(await store.update('k1', record({ displayName: 'Alice B.' }))).toBe(true)
      await elapse(1.5 * T)
      expect(await store.get('k1', 2 * T)).toBeNull()
      expect(await store.update('k1', record())).toBe(false)
    })

    it('deletes one session and tells every listener', async (context) => {
      const { store, record } = await open(context)
      const [first, second, unsubscribed] = [listen(store), listen(store), listen(store)]
      unsubscribed.stop()
      const stored = record()
      await store.create('k1', stored, 10 * T)
      await store.create('k2', record(), 10 * T)
      expect(await store.delete('k1')).toEqual(stored)
      expect(await store.get('k1', 10 * T)).toBeNull()
      expect(await store.get('k2', 10 * T)).not.toBeNull()
      // A retry (of an end whose confirmation failed) is harmless.
      expect(await store.delete('k1')).toBeNull()
      await first.received({ kind: 'session', key: 'k1' })
      await second.received({ kind: 'session', key: 'k1' })
      expect(unsubscribed.events).toEqual([])
      expect(await store.listByUser('uid-alice')).toEqual(['k2'])
    })

    it('lists and deletes a user’s sessions', async (context) => {
      const { store, record } = await open(context)
      const events = listen(store)
      await store.create('a1', record(), 10 * T)
      await store.create('a2', record(), 10 * T)
      await store.create('b1', record({ uid: 'uid-bob' }), 10 * T)
      expect((await store.listByUser('uid-alice')).sort()).toEqual(['a1', 'a2'])
      expect((await store.deleteByUser('uid-alice')).sort()).toEqual(['a1', 'a2'])
      expect(await store.get('a1', 10 * T)).toBeNull()
      expect(await store.get('a2', 10 * T)).toBeNull()
      expect(await store.listByUser('uid-alice')).toEqual([])
      expect(await store.listByUser('uid-bob')).toEqual(['b1'])
      await events.received({ kind: 'session', key: 'a1' })
      await events.received({ kind: 'session', key: 'a2' })
    })

    it('deleteByUser only ends sessions that began before the given time', async (context) => {
      const { store, now, record } = await open(context)
      const start = now()
      await store.create('old', record({ loginAt: start - 2 * T }), 10 * T)
      await store.create('new', record({ loginAt: start }), 10 * T)
      expect(await store.deleteByUser('uid-alice', start - T)).toEqual(['old'])
      expect(await store.listByUser('uid-alice')).toEqual(['new'])
      expect(await store.deleteByUser('uid-alice', start)).toEqual([])
      expect(await store.deleteByUser('uid-alice', start + 1)).toEqual(['new'])
    })

    it('does not list a session that has expired', async (context) => {
      const { store, elapse, record } = await open(context)
      await store.create('short', record(), T)
      await store.create('long', record(), 10 * T)
      await elapse(2 * T)
      expect(await store.listByUser('uid-alice')).toEqual(['long'])
      expect(await store.deleteByUser('uid-alice')).toEqual(['long'])
    })

    it('drops the user index with the last session', async (context) => {
      const { subject, store, elapse, record } = await open(context)
      const hasUserIndex = subject.hasUserIndex
      if (!hasUserIndex) return context.skip('the backend does not expose its index')
      await store.create('a1', record(), 10 * T)
      await store.create('a2', record(), 10 * T)
      await store.delete('a1')
      expect(await hasUserIndex('uid-alice')).toBe(true)
      await store.delete('a2')
      expect(await hasUserIndex('uid-alice')).toBe(false)
      await store.create('a3', record(), 10 * T)
      await store.deleteByUser('uid-alice')
      expect(await hasUserIndex('uid-alice')).toBe(false)
      await store.create('a4', record(), T)
      await elapse(2 * T)
      expect(await store.listByUser('uid-alice')).toEqual([])
      expect(await hasUserIndex('uid-alice')).toBe(false)
    })

    it('treats a corrupt record as absent', async (context) => {
      const { subject, store, record } = await open(context)
      const corrupt = subject.corrupt
      if (!corrupt) return context.skip('the backend holds no serialized records')
      await store.create('k1', record(), 10 * T)
      await corrupt('k1')
      expect(await store.get('k1', 10 * T)).toBeNull()
      expect(await store.get('k1', 10 * T)).toBeNull()
      expect(await store.listByUser('uid-alice')).toEqual([])
      await store.create('k2', record(), 10 * T)
      await corrupt('k2')
      expect(await store.deleteByUser('uid-alice')).toEqual([])
    })

    it('reports invalidations as live', async (context) => {
      const { store } = await open(context)
      expect(store.invalidationsLive()).toBe(true)
      await store.ping()
    })

    it('invalidations reach a second store instance sharing the backend', async (context) => {
      const { subject, store, record } = await open(context)
      if (!subject.peer) return context.skip('the store is not shared')
      expect(store.shared).toBe(true)
      const peer = await subject.peer()
      const [theirs, ours] = [listen(peer), listen(store)]
      for (const key of ['k1', 'k2', 'k3']) await store.create(key, record(), 10 * T)
      expect(await peer.get('k1', 10 * T)).not.toBeNull()
      await store.update('k1', record({ displayName: 'changed' }))
      await theirs.received({ kind: 'session', key: 'k1' })
      expect((await peer.get('k1', 10 * T))?.displayName).toBe('changed')
      await store.delete('k2')
      await theirs.received({ kind: 'session', key: 'k2' })
      await store.deleteByUser('uid-alice')
      await theirs.received({ kind: 'session', key: 'k3' })
      await peer.create('k4', record(), 10 * T)
      await peer.delete('k4')
      await ours.received({ kind: 'session', key: 'k4' })
    })
  })
}

/** Records a store's invalidations; `received` waits (briefly) for one to arrive. */
function listen(store: SessionStore) {
  const events: Invalidation[] = []
  const stop = store.onInvalidate((event) => events.push(event))
  return {
    events,
    stop,
    async received(expected: Invalidation): Promise<void> {
      const deadline = Date.now() + 3000
      while (!events.some((event) => JSON.stringify(event) === JSON.stringify(expected))) {
        if (Date.now() > deadline) expect(events).toContainEqual(expected)
        await sleep(5)
      }
    },
  }
}
