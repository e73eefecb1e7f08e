import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { createRedis, createSubscriber, whenReady } from '../../src/session/redis-client.ts'
import { createRedisSessionStore } from '../../src/session/redis-store.ts'
import type { SessionStore } from '../../src/session/types.ts'
import type { StoreUnderTest } from './session-store.contract.ts'

/** A Redis store as the gate builds one, returned once it is ready and its invalidations are live. */
export async function openRedisStore(
  url: string,
  keyPrefix: string,
  clock?: () => number,
): Promise<SessionStore> {
  const redis = createRedis({ url })
  const subscriber = createSubscriber(redis)
  const store = createRedisSessionStore({ redis, subscriber, keyPrefix, ...(clock ? { clock } : {}) })
  try {
    await whenReady(redis, 10_000)
    await until(() => store.invalidationsLive())
  } catch (error) {
    await store.close()
    throw error
  }
  return store
}

/**
 * A fresh store under a unique key prefix; cleanup closes every connection and deletes its keys.
 * With `clock`, the store computes lifetimes from it instead of the server's TIME.
 */
export async function redisSubject(url: string, clock?: () => number): Promise<StoreUnderTest> {
  const keyPrefix = `test:${randomUUID()}:`
  const admin = createRedis({ url })
  await whenReady(admin, 10_000)
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
      await admin.quit()
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
