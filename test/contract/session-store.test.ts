import { afterAll, beforeAll, describe, inject } from 'vitest'
import { createMemorySessionStore } from '../../src/session/memory-store.ts'
import {
  type RedisClusterServers,
  type RedisSentinel,
  startRedisCluster,
  startRedisSentinel,
} from '../support/redis.ts'
import { redisSubject } from './redis-harness.ts'
import { sessionStoreContract } from './session-store.contract.ts'

sessionStoreContract('memory', async () => {
  let time = Date.parse('2030-01-01T00:00:00Z')
  const clock = {
    now: () => time,
    advance(ms: number): void {
      time += ms
    },
  }
  const store = createMemorySessionStore({ clock: clock.now })
  return { store, clock, cleanup: () => store.close() }
})

// Real time: each step of the lifetime tests is 250 ms, and a test that a starved machine made
// overshoot gets another chance (a real defect fails every attempt).
const realTime = { unit: 250, retry: 2 }

sessionStoreContract('redis standalone', () => redisSubject(inject('redisUrl')), realTime)
sessionStoreContract(
  'redis standalone, gate clock',
  () => redisSubject(inject('redisUrl'), Date.now),
  realTime,
)

describe('redis sentinel', () => {
  let servers: RedisSentinel
  beforeAll(async () => {
    servers = await startRedisSentinel()
  })
  afterAll(async () => {
    await servers?.stop()
  })
  sessionStoreContract('redis sentinel', () => redisSubject(servers.url), realTime)
})

describe('redis cluster', () => {
  let servers: RedisClusterServers
  beforeAll(async () => {
    servers = await startRedisCluster()
  })
  afterAll(async () => {
    await servers?.stop()
  })
  sessionStoreContract('redis cluster', () => redisSubject(servers.url), realTime)
})
