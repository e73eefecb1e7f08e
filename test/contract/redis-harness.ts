import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { deriveKeyring } from '../../src/crypto/keyring.ts'
import { NO_RECORD_FAULTS } from '../../src/redis/faults.ts'
import { openRedisLayer, type RedisLayerOptions } from '../../src/redis/layer.ts'
import { createRecordCodec } from '../../src/session/record.ts'
import { createRedisSessionStore } from '../../src/session/redis-store.ts'
import type { SessionStore } from '../../src/session/types.ts'
import type { StoreUnderTest } from './session-store.contract.ts'

/** The storage layer as the gate opens it (generous deadlines for a loaded test machine). */
export function testLayer(url: string, keyPrefix: string, overrides: Partial<RedisLayerOptions> = {}) {
  return openRedisLayer({
    url,
    keyPrefix,
    commandTimeoutMs: 1000,
    waitTimeoutMs: 500,
    waitReplicas: 'auto',
    faults: NO_RECORD_FAULTS,
    ...overrides,
  })
}

export const testCodec = () => createRecordCodec(deriveKeyring(['t'.repeat(40)], 'session-record'))

/** A Redis store over its own storage layer; closing it closes the layer. */
export function redisStore(url: string, keyPrefix: string, clock?: () => number): SessionStore {
  const layer = testLayer(url, keyPrefix)
  const store = createRedisSessionStore({ redis: layer, codec: testCodec(), clock })
  return {
    ...store,
    async close() {
      await store.close()
      await layer.close()
    },
  }
}

/** A Redis store as the gate builds one, returned once it is ready and its invalidations are live. */
export async function openRedisStore(
  url: string,
  keyPrefix: string,
  clock?: () => number,
): Promise<SessionStore> {
  const store = redisStore(url, keyPrefix, clock)
  try {
    await until(
      () =>
        store.ping().then(
          () => true,
          () => false,
        ),
      10_000,
    )
    await until(() => store.invalidationsLive())
  } catch (error) {
    await store.close()
    throw error
  }
  return store
}

/** A plain client for the test's own reads and writes (cluster-aware). */
export async function adminClient(url: string) {
  const layer = testLayer(url, 'admin:')
  await layer.ready(10_000)
  return layer
}

/**
 * A fresh store under a unique key prefix; cleanup closes every connection and deletes its keys.
 * With `clock`, the store computes lifetimes from it instead of the server's TIME.
 */
export async function redisSubject(url: string, clock?: () => number): Promise<StoreUnderTest> {
  const keyPrefix = `test:${randomUUID()}:`
  const layer = await adminClient(url)
  const admin = layer.commands
  const stores = [await openRedisStore(url, keyPrefix, clock)]
  return {
    store: stores[0]!,
    clock: null,
    async peer() {
      const peer = await openRedisStore(url, keyPrefix, clock)
      stores.push(peer)
      return peer
    },
    async corrupt(key) {
      await admin.hset(`${keyPrefix}s:${key}`, 'r', '{"v":1,"uid":')
    },
    async hasUserIndex(uid) {
      return (await admin.exists(`${keyPrefix}u:${uid}`)) === 1
    },
    async cleanup() {
      await Promise.all(stores.map((store) => store.close()))
      const nodes = 'nodes' in admin ? admin.nodes('master') : [admin]
      for (const node of nodes) {
        const keys = await node.keys(`${keyPrefix}*`)
        for (const key of keys) await admin.del(key)
      }
      await layer.close()
    },
  }
}

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await sleep(5)
  }
}
