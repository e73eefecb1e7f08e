import { describe, expect, it } from 'vitest'
import { createMemorySessionStore } from '../../src/session/memory-store.ts'
import type { SessionRecord } from '../../src/session/types.ts'

const start = Date.parse('2030-01-01T00:00:00Z')

function fixture(options: { maxSessions?: number } = {}) {
  let time = start
  const store = createMemorySessionStore({ clock: () => time, ...options })
  const record = (uid = 'uid-alice'): SessionRecord => ({
    v: 1,
    uid,
    email: null,
    displayName: null,
    locale: null,
    avatar: null,
    subscriptions: [],
    scopes: ['openid'],
    loginAt: time,
    expiresAt: time + 86_400_000,
    aal: 1,
    amr: ['pwd'],
    tokens: 'sealed',
  })
  const advance = (ms: number): void => {
    time += ms
  }
  return { store, record, advance }
}

describe('memory session store', () => {
  it('is not shared between replicas', () => {
    expect(fixture().store.shared).toBe(false)
  })

  it('evicts the session closest to expiry when full', async () => {
    const { store, record } = fixture({ maxSessions: 3 })
    await store.create('a', record(), 5000)
    await store.create('b', record(), 1000)
    await store.create('c', record(), 3000)
    await store.create('d', record(), 4000)
    expect(await store.get('b', 1000)).toBeNull()
    expect((await store.listByUser('uid-alice')).sort()).toEqual(['a', 'c', 'd'])
  })

  it('makes room from expired sessions before evicting live ones', async () => {
    const { store, record, advance } = fixture({ maxSessions: 2 })
    await store.create('short', record(), 1000)
    await store.create('long', record('uid-bob'), 10_000)
    advance(2000)
    await store.create('new', record(), 1000)
    expect(await store.get('long', 10_000)).not.toBeNull()
    expect(await store.listByUser('uid-alice')).toEqual(['new'])
  })

  it('hands out copies, so callers cannot change what is stored', async () => {
    const { store, record } = fixture()
    await store.create('k', record(), 1000)
    const copy = (await store.get('k', 1000)) as unknown as { subscriptions: string[] }
    copy.subscriptions.push('forged')
    expect((await store.get('k', 1000))?.subscriptions).toEqual([])
  })

  it('tells listeners synchronously', async () => {
    const { store, record } = fixture()
    const events: unknown[] = []
    store.onInvalidate((event) => events.push(event))
    await store.create('k', record(), 1000)
    const deleting = store.delete('k')
    expect(events).toEqual([{ kind: 'session', key: 'k' }])
    await deleting
  })
})
