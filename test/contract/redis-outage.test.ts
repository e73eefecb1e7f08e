import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GateError } from '../../src/errors.ts'
import type { Invalidation, SessionRecord, SessionStore } from '../../src/session/types.ts'
import { freePort } from '../support/ports.ts'
import { type RedisServer, startRedis, startRedisCluster } from '../support/redis.ts'
import { adminClient, openRedisStore, redisStore, until } from './redis-harness.ts'

const record = (): SessionRecord => ({
  v: 1,
  uid: 'uid-alice',
  email: 'alice@example.com',
  displayName: null,
  locale: null,
  avatar: null,
  subscriptions: [],
  scopes: ['openid'],
  loginAt: Date.now(),
  expiresAt: Date.now() + 3_600_000,
  aal: 1,
  amr: ['pwd'],
  tokens: 'sealed.secret-tokens',
})

/** How long `operation` takes to reject, and with what. */
async function rejection(operation: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now()
  try {
    await operation()
  } catch (error) {
    return { error, ms: performance.now() - started }
  }
  throw new Error('expected a rejection')
}

function expectStoreUnavailable(error: unknown): void {
  expect(error).toBeInstanceOf(GateError)
  expect((error as GateError).code).toBe('STORE_UNAVAILABLE')
}

describe('redis session store when Redis fails', () => {
  let server: RedisServer
  let store: SessionStore
  let keyPrefix: string

  beforeEach(async () => {
    server = await startRedis()
    keyPrefix = `test:${randomUUID()}:`
    store = await openRedisStore(server.url, keyPrefix)
  })
  afterEach(async () => {
    await store?.close()
    await server?.stop()
  })

  it('rejects with STORE_UNAVAILABLE at once while Redis is down, and recovers without being recreated', async () => {
    await store.create('k1', record(), 60_000)
    await server.stop()
    for (const operation of [
      () => store.get('k1', 60_000),
      () => store.ping(),
      () => store.create('k2', record(), 60_000),
      () => store.delete('k1'),
      () => store.listByUser('uid-alice'),
    ]) {
      const { error, ms } = await rejection(operation)
      expectStoreUnavailable(error)
      expect(ms).toBeLessThan(3000)
    }

    await server.restart()
    await until(
      () =>
        store.ping().then(
          () => true,
          () => false,
        ),
      10_000,
    )
    await store.create('k3', record(), 60_000)
    expect(await store.get('k3', 60_000)).not.toBeNull()
    await until(() => store.invalidationsLive(), 10_000)
  })

  it('rejects within the command timeout when Redis stops answering', async () => {
    process.kill(server.pid, 'SIGSTOP')
    try {
      const { error, ms } = await rejection(() => store.get('k1', 60_000))
      expectStoreUnavailable(error)
      expect(ms).toBeLessThan(3000)
    } finally {
      process.kill(server.pid, 'SIGCONT')
    }
    await until(
      () =>
        store.ping().then(
          () => true,
          () => false,
        ),
      10_000,
    )
  })

  it('keeps the command and its arguments out of the error', async () => {
    await server.stop()
    const { error } = await rejection(() => store.create('k1', record(), 60_000))
    expectStoreUnavailable(error)
    const gate = error as GateError
    expect(
      JSON.stringify({ detail: gate.detail, cause: gate.cause, keys: Object.keys(gate.cause as object) }),
    ).not.toContain('secret-tokens')
    expect(gate.cause).not.toHaveProperty('command')
  })

  it('announces a lost subscription with reset and pauses invalidations until it is back', async () => {
    const events: Array<Invalidation & { live: boolean }> = []
    store.onInvalidate((event) => events.push({ ...event, live: store.invalidationsLive() }))
    const admin = await adminClient(server.url)
    try {
      await admin.commands.call('CLIENT', 'KILL', 'TYPE', 'pubsub')
      await until(() => events.length >= 2)
      // Lost, then subscribed again: live once a PING on the new connection is answered.
      expect(events.slice(0, 2)).toEqual([
        { kind: 'reset', live: false },
        { kind: 'reset', live: false },
      ])
      await until(() => store.invalidationsLive(), 2000)

      await admin.commands.publish(`${keyPrefix}invalidate`, 'k1')
      await until(() => events.some((event) => event.kind === 'session' && event.key === 'k1'))
    } finally {
      await admin.close()
    }
  })

  it('stays not live while Redis is down and becomes live after it returns', async () => {
    const events: Array<Invalidation & { live: boolean }> = []
    store.onInvalidate((event) => events.push({ ...event, live: store.invalidationsLive() }))
    await server.stop()
    await until(() => events.length >= 1)
    expect(events).toEqual([{ kind: 'reset', live: false }])
    expect(store.invalidationsLive()).toBe(false)
    await server.restart()
    await until(() => store.invalidationsLive(), 10_000)
    expect(events.at(-1)).toEqual({ kind: 'reset', live: false })
  })
})

describe('redis session store started before Redis', () => {
  it('answers STORE_UNAVAILABLE until Redis is up, then works and subscribes', async () => {
    const port = await freePort()
    const store = redisStore(`redis://127.0.0.1:${port}`, 'early:')
    let server: RedisServer | undefined
    try {
      expectStoreUnavailable((await rejection(() => store.ping())).error)
      expect(store.invalidationsLive()).toBe(false)
      server = await startRedis({ port })
      await until(
        () =>
          store.ping().then(
            () => true,
            () => false,
          ),
        10_000,
      )
      await until(() => store.invalidationsLive(), 10_000)
      await store.create('k1', record(), 60_000)
      expect(await store.get('k1', 60_000)).not.toBeNull()
    } finally {
      await store.close()
      await server?.stop()
    }
  })

  it('closes promptly while Redis is away', async () => {
    const store = redisStore(`redis://127.0.0.1:${await freePort()}`, 'never:')
    const started = performance.now()
    await store.close()
    expect(performance.now() - started).toBeLessThan(1500)
  })
})

describe('redis cluster session store when a node fails', () => {
  it('moves its subscription to another node, with a reset on the way', async () => {
    const cluster = await startRedisCluster()
    const keyPrefix = `test:${randomUUID()}:`
    const store = await openRedisStore(cluster.url, keyPrefix)
    try {
      const events: Array<Invalidation & { live: boolean }> = []
      store.onInvalidate((event) => events.push({ ...event, live: store.invalidationsLive() }))
      // The subscriber starts on the first node of the URL.
      await cluster.nodes[0]!.stop()
      await until(() => events.filter((event) => event.kind === 'reset').length >= 2, 10_000)
      expect(events[0]).toEqual({ kind: 'reset', live: false })
      await until(() => store.invalidationsLive(), 10_000)

      const other = await adminClient(cluster.nodes[2]!.url)
      await other.commands.publish(`${keyPrefix}invalidate`, 'k1')
      await other.close()
      await until(() => events.some((event) => event.kind === 'session' && event.key === 'k1'))
    } finally {
      await store.close()
      await cluster.stop()
    }
  })
})
