import type { ReleasePolicy } from '../services/registry.ts'
import { freshNode, placeUser, type StoredNode } from './placement-rule.ts'
import type { NodeChange, NodeState, NodeStore } from './types.ts'

interface ServiceNodes {
  readonly nodes: Map<string, StoredNode>
  /** uid → the node and its generation when the user was placed. */
  readonly users: Map<string, { readonly url: string; readonly generation: number }>
  /** Nodes ever seeded from configuration, or removed by an operator: never seeded again. */
  readonly seeded: Set<string>
  generation: number
}

/** Node assignments in this process: one replica only (no Redis), and the contract's reference. */
export function createMemoryNodeStore(options: { clock?: () => number } = {}): NodeStore {
  const clock = options.clock ?? Date.now
  const services = new Map<string, ServiceNodes>()
  const listeners = new Set<(service: string | undefined) => void>()
  const of = (service: string): ServiceNodes => {
    let known = services.get(service)
    if (known === undefined) {
      known = { nodes: new Map(), users: new Map(), seeded: new Set(), generation: 0 }
      services.set(service, known)
    }
    return known
  }
  const liveNode = (state: ServiceNodes, uid: string) => {
    const placed = state.users.get(uid)
    if (placed === undefined) return { placed, node: undefined }
    const node = state.nodes.get(placed.url)
    return { placed, node: node?.generation === placed.generation ? node : undefined }
  }
  const create = (state: ServiceNodes, url: string, capacity: number, release: ReleasePolicy) => {
    state.generation += 1
    state.nodes.set(url, freshNode(capacity, release, clock(), state.generation))
  }
  const change = (service: string, url: string, apply: (node: StoredNode) => void): NodeChange => {
    const node = services.get(service)?.nodes.get(url)
    if (node === undefined) return 'missing'
    apply(node)
    return 'changed'
  }

  return {
    shared: false,
    async assign(service, uid, release) {
      const state = of(service)
      const { placed, node } = liveNode(state, uid)
      if (placed !== undefined && node !== undefined && !node.down)
        return { kind: 'kept', node: placed.url, generation: placed.generation }
      if (placed !== undefined) {
        // Their node is down or gone: they leave it (its count drops) and move.
        if (node !== undefined) node.users = Math.max(0, node.users - 1)
        state.users.delete(uid)
      }
      if (state.nodes.size === 0) return { kind: 'none' }
      const choice = placeUser(state.nodes, clock(), release, placed !== undefined)
      if ('retryAfterMs' in choice) return { kind: 'full', retryAfterMs: choice.retryAfterMs }
      state.nodes.set(choice.url, choice.node)
      const generation = choice.node.generation
      state.users.set(uid, { url: choice.url, generation })
      return { kind: placed === undefined ? 'new' : 'moved', node: choice.url, generation }
    },
    async current(service, uid) {
      const state = services.get(service)
      if (state === undefined) return undefined
      const { placed, node } = liveNode(state, uid)
      return node !== undefined && !node.down ? placed?.url : undefined
    },
    async release(service, uid) {
      const state = services.get(service)
      if (state === undefined) return
      const { node } = liveNode(state, uid)
      if (node !== undefined) node.users = Math.max(0, node.users - 1)
      state.users.delete(uid)
    },
    async list(service) {
      const state = services.get(service)
      if (state === undefined) return []
      return [...state.nodes].map(([url, node]): NodeState => ({ url, ...node }))
    },
    async add(service, url, capacity, release) {
      const state = of(service)
      if (state.nodes.has(url)) return 'exists'
      create(state, url, capacity, release)
      return 'added'
    },
    async seed(service, url, capacity, release) {
      const state = of(service)
      if (state.seeded.has(url)) return 'known'
      state.seeded.add(url)
      if (state.nodes.has(url)) return 'known'
      create(state, url, capacity, release)
      return 'added'
    },
    async remove(service, url) {
      const state = of(service)
      // Configuration never adds back what an operator removed.
      state.seeded.add(url)
      return state.nodes.delete(url) ? 'changed' : 'missing'
    },
    setDown: async (service, url, down) =>
      change(service, url, (node) => {
        node.down = down
      }),
    setCapacity: async (service, url, capacity) =>
      change(service, url, (node) => {
        node.capacity = capacity
        node.available = Math.min(node.available, Math.max(0, capacity - node.users))
      }),
    async announce(service) {
      for (const listener of listeners) listener(service)
    },
    onChange(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    changesLive: () => true,
    async ping() {},
    async close() {
      listeners.clear()
    },
  }
}
