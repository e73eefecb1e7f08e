import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { createActiveSessions } from '../../src/observability/active-sessions.ts'
import { createMetrics } from '../../src/observability/metrics.ts'
import { testLayer } from '../contract/redis-harness.ts'

const redisUrl = inject('redisUrl')

describe('fxa_gate_sessions_active across replicas (HyperLogLog in the shared Redis)', () => {
  const redis = new Redis(redisUrl)
  const keyPrefix = `active${randomBytes(4).toString('hex')}:`
  // Each replica on a storage layer of its own, as the gate opens one.
  const layers = [0, 1].map(() => testLayer(redisUrl, keyPrefix))
  afterAll(async () => {
    redis.disconnect()
    await Promise.all(layers.map((layer) => layer.close()))
  })

  it('counts the distinct sessions every replica saw, once each, in every replica', async () => {
    const now = Date.now()
    await Promise.all(layers.map((layer) => layer.ready(10_000)))
    const replicas = layers.map((layer) => {
      const metrics = createMetrics({ defaultMetrics: false })
      return { metrics, active: createActiveSessions({ metrics, redis: layer, clock: () => now }) }
    })
    for (let i = 0; i < 600; i++) replicas[0]!.active.seen(`session-${i}`)
    for (let i = 400; i < 1000; i++) replicas[1]!.active.seen(`session-${i}`)
    const read = async (metrics: ReturnType<typeof createMetrics>) =>
      Number((await metrics.registry.getSingleMetricAsString('fxa_gate_sessions_active')).split(' ').at(-1))
    for (const replica of replicas) replica.active.start()()
    await sleep(200)
    // Both flushed; a second round makes each read the union including the other's.
    for (const replica of replicas) replica.active.start()()
    await sleep(200)
    for (const replica of replicas) {
      const count = await read(replica.metrics)
      expect(count).toBeGreaterThan(980)
      expect(count).toBeLessThan(1020)
    }
    const keys = await redis.keys(`${keyPrefix}*`)
    expect(keys).toHaveLength(1)
    expect(await redis.pttl(keys[0]!)).toBeGreaterThan(15 * 60_000)
  })
})
