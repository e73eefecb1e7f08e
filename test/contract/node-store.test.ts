import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, inject } from 'vitest'
import { createMemoryNodeStore } from '../../src/nodes/memory-node-store.ts'
import { createRedisNodeStore } from '../../src/nodes/redis-node-store.ts'
import type { NodeStore } from '../../src/nodes/types.ts'
import { createRedis, createSubscriber, whenReady } from '../../src/session/redis-client.ts'
import { type RedisClusterServers, startRedisCluster } from '../support/redis.ts'
import { nodeStoreContract } from './node-store.contract.ts'

function testClock() {
  let time = Date.parse('2030-01-01T00:00:00Z')
  return {
    now: () => time,
    advance(ms: number): void {
      time += ms
    },
  }
}

nodeStoreContract('memory', async () => {
  const clock = testClock()
  const store = createMemoryNodeStore({ clock: clock.now })
  return { store, clock, peer: () => null, cleanup: () => store.close() }
})

async function openRedis(url: string, keyPrefix: string, clock: () => number): Promise<NodeStore> {
  const redis = createRedis({ url })
  const store = createRedisNodeStore({ redis, subscriber: createSubscriber(redis), keyPrefix, clock })
  await whenReady(redis, 10_000)
  for (let i = 0; i < 200 && !store.changesLive(); i++) await sleep(25)
  return store
}

async function redisSubject(url: string) {
  const keyPrefix = `nodes:${randomUUID()}:`
  const clock = testClock()
  const stores = [await openRedis(url, keyPrefix, clock.now)]
  return {
    store: stores[0]!,
    clock,
    async peer() {
      const peer = await openRedis(url, keyPrefix, clock.now)
      stores.push(peer)
      return peer
    },
    async cleanup() {
      await Promise.all(stores.map((store) => store.close()))
    },
  }
}

nodeStoreContract('redis standalone', () => redisSubject(inject('redisUrl')))

describe('redis cluster', () => {
  let servers: RedisClusterServers
  beforeAll(async () => {
    servers = await startRedisCluster()
  })
  afterAll(async () => {
    await servers?.stop()
  })
  nodeStoreContract('redis cluster', () => redisSubject(servers.url))
})
