import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config/load.ts'
import { GateError } from '../../../src/errors.ts'
import { createMemoryNodeStore } from '../../../src/nodes/memory-node-store.ts'
import { createPlacement } from '../../../src/nodes/placement.ts'
import type { NodeStore } from '../../../src/nodes/types.ts'
import { createLogger } from '../../../src/observability/logger.ts'
import { createMetrics } from '../../../src/observability/metrics.ts'
import { compileServices } from '../../../src/services/registry.ts'

const A = 'https://a.example.com'
const B = 'https://b.example.com'

function setUp(options: { live?: () => boolean } = {}) {
  const result = loadConfig({
    env: {
      FXA_GATE_CLIENT_ID: 'abc',
      FXA_GATE_PUBLIC_URL: 'https://auth.example.com',
      FXA_GATE_COOKIE_SECRETS: 'x'.repeat(32),
      FXA_GATE_SERVICES: JSON.stringify([
        {
          name: 'svc',
          audience: 'svc',
          releaseRate: 1,
          nodes: [
            { url: A, capacity: 1 },
            { url: B, capacity: 1 },
          ],
        },
        { name: 'plain', audience: 'plain' },
      ]),
    },
    readFile: () => '',
  })
  if (!result.ok) throw new Error('bad test configuration')
  let now = Date.parse('2030-01-01T00:00:00Z')
  const clock = () => now
  const memory = createMemoryNodeStore({ clock })
  const calls: string[] = []
  const store: NodeStore = {
    ...memory,
    assign: (...args) => {
      calls.push(`assign ${args[1]}`)
      return memory.assign(...args)
    },
    list: (service) => {
      calls.push(`list ${service}`)
      return memory.list(service)
    },
    changesLive: options.live ?? (() => true),
  }
  const services = compileServices(result.config)
  const metrics = createMetrics({ defaultMetrics: false })
  const placement = createPlacement({
    store,
    services,
    metrics,
    logger: createLogger({ level: 'silent' }),
    clock,
  })
  return {
    placement,
    store,
    calls,
    metrics,
    svc: services.byName('svc')!,
    plain: services.byName('plain')!,
    advance: (ms: number) => {
      now += ms
    },
  }
}

describe('node placement as the request path sees it', () => {
  it('asks nothing for a service without nodes, and seeds and reads the others at start', async () => {
    const { placement, calls, plain, svc } = setUp()
    expect(placement.ready()).toBe(false)
    await placement.start()
    expect(placement.ready()).toBe(true)
    expect(placement.nodeFor(plain, 'u')).toBeUndefined()
    expect(calls).toEqual(['list svc', 'list svc', 'list plain'])
    expect(await placement.current(svc, 'u')).toBeUndefined()
    placement.close()
  })

  it('places the first users of a replica that has not read its nodes yet on a configured node', async () => {
    const { placement, svc, store } = setUp()
    // No start() yet: requests may come before the first read (readiness does not wait for it).
    const [first, second] = await Promise.all([
      placement.nodeFor(svc, 'early1'),
      placement.nodeFor(svc, 'early2'),
    ])
    expect(new Set([first, second])).toEqual(new Set([A, B]))
    expect((await store.list('svc')).map((node) => node.users)).toEqual([1, 1])
    placement.close()
  })

  it("serves a user's node from this replica's copy once the store gave it (no round trip)", async () => {
    const { placement, calls, svc } = setUp()
    await placement.start()
    calls.length = 0
    const first = await placement.nodeFor(svc, 'u1')
    expect(first).toBe(A)
    expect(placement.nodeFor(svc, 'u1')).toBe(A)
    expect(calls).toEqual(['assign u1'])
    placement.close()
  })

  it('shares one store call between concurrent requests of a user', async () => {
    const { placement, calls, svc } = setUp()
    await placement.start()
    calls.length = 0
    const nodes = await Promise.all([
      placement.nodeFor(svc, 'u'),
      placement.nodeFor(svc, 'u'),
      placement.nodeFor(svc, 'u'),
    ])
    expect(new Set(nodes)).toEqual(new Set([A]))
    expect(calls).toEqual(['assign u'])
    placement.close()
  })

  it('asks the store again after an announced change, and moves the users of a downed node', async () => {
    const { placement, store, calls, svc, metrics } = setUp()
    await placement.start()
    expect(await placement.nodeFor(svc, 'u1')).toBe(A)
    await store.setDown('svc', A, true)
    await store.announce('svc')
    calls.length = 0
    expect(await placement.nodeFor(svc, 'u1')).toBe(B)
    expect(calls[0]).toBe('assign u1')
    const text = await metrics.registry.metrics()
    expect(text).toContain(
      'fxa_gate_service_node_assignments_total{service="svc",node="https://b.example.com",kind="moved"} 1',
    )
    expect(text).toContain('fxa_gate_service_node_up{service="svc",node="https://a.example.com"} 0')
    placement.close()
  })

  it('trusts no copy while announcements may be missed', async () => {
    let live = true
    const { placement, calls, svc } = setUp({ live: () => live })
    await placement.start()
    await placement.nodeFor(svc, 'u1')
    live = false
    calls.length = 0
    await placement.nodeFor(svc, 'u1')
    await placement.nodeFor(svc, 'u1')
    expect(calls).toEqual(['assign u1', 'assign u1'])
    placement.close()
  })

  it('trusts no cached node for long', async () => {
    const { placement, calls, svc, advance } = setUp()
    await placement.start()
    await placement.nodeFor(svc, 'u1')
    advance(61_000)
    calls.length = 0
    await placement.nodeFor(svc, 'u1')
    expect(calls).toEqual(['assign u1'])
    placement.close()
  })

  it('refuses with NODES_FULL and a Retry-After when no node can take the user', async () => {
    const { placement, svc, metrics } = setUp()
    await placement.start()
    await placement.nodeFor(svc, 'u1')
    await placement.nodeFor(svc, 'u2')
    const refusal = await Promise.resolve(placement.nodeFor(svc, 'u3')).catch((error: unknown) => error)
    expect(refusal).toBeInstanceOf(GateError)
    expect((refusal as GateError).code).toBe('NODES_FULL')
    expect((refusal as GateError).status).toBe(503)
    expect((refusal as GateError).retryAfterSeconds).toBe(60)
    expect(await metrics.registry.metrics()).toContain(
      'fxa_gate_service_node_refusals_total{service="svc"} 1',
    )
    placement.close()
  })

  it("frees a deleted user's places", async () => {
    const { placement, store, svc } = setUp()
    await placement.start()
    await placement.nodeFor(svc, 'gone')
    await placement.releaseUser('gone')
    expect((await store.list('svc')).map((node) => node.users)).toEqual([0, 0])
    placement.close()
  })
})
