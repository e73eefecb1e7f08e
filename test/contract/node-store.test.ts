import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createMemoryNodeStore } from '../../src/nodes/memory-node-store.ts'
import { createRedisNodeStore, nodeKeys } from '../../src/nodes/redis-node-store.ts'
import type { NodeStore } from '../../src/nodes/types.ts'
import { type RedisClusterServers, startRedisCluster } from '../support/redis.ts'
import { nodeStoreContract } from './node-store.contract.ts'
import { testLayer } from './redis-harness.ts'

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

/** A store on a storage layer of its own (as a replica has), once its announcements are live. */
async function openRedis(url: string, keyPrefix: string, clock: () => number): Promise<NodeStore> {
  const layer = testLayer(url, keyPrefix)
  const store = createRedisNodeStore({ redis: layer, clock })
  await layer.ready(10_000)
  for (let i = 0; i < 200 && !store.changesLive(); i++) await sleep(25)
  return {
    ...store,
    async close() {
      await store.close()
      await layer.close()
    },
  }
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

describe('redis node store: data it did not write', () => {
  const reports: string[] = []
  const prefix = `nodesbad:${randomUUID()}:`
  const layer = testLayer(inject('redisUrl'), prefix, {
    faults: { report: (kind, problem) => void reports.push(`${kind} ${problem}`) },
  })
  const store = createRedisNodeStore({ redis: layer })
  const release = { rate: 1, intervalMs: 60_000 }
  const [table, users, seeded] = nodeKeys(layer, 'svc')
  afterAll(async () => {
    await store.close()
    await layer.close()
  })

  it('deletes and reports entries that are not ours, and places the user anyway', async () => {
    await layer.ready(10_000)
    await store.add('svc', 'https://good.test', 5, release)
    await layer.commands.hset(table!, 'https://junk.test', '{"c":"five"}')
    await layer.commands.hset(users!, 'u1', 'not-a-placement')
    const placed = await store.assign('svc', 'u1', release)
    expect(placed).toMatchObject({ kind: 'new', node: 'https://good.test' })
    expect(await layer.commands.hexists(table!, 'https://junk.test')).toBe(0)
    expect(reports).toContain('node schema')
    expect((await store.list('svc')).map((node) => node.url)).toEqual(['https://good.test'])
  })

  it('deletes a key of the wrong type; a lost node table is added again from configuration', async () => {
    reports.length = 0
    await layer.commands.del(table!)
    await layer.commands.set(table!, 'a string')
    expect(await store.assign('svc', 'u2', release)).toEqual({ kind: 'none' })
    expect(reports).toContain('node wrong_type')
    expect(await layer.commands.exists(seeded!)).toBe(0)
    expect(await store.seed('svc', 'https://good.test', 5, release)).toBe('added')
    await layer.commands.del(users!)
    await layer.commands.rpush(users!, 'x')
    expect((await store.assign('svc', 'u2', release)).kind).toBe('new')
    expect(reports.filter((report) => report === 'node wrong_type')).toHaveLength(2)
  })
})
