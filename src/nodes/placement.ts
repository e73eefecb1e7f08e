import { LRUCache } from 'lru-cache'
import { GateError } from '../errors.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import type { Service, ServiceRegistry } from '../services/registry.ts'
import type { NodeState, NodeStore } from './types.ts'

/** How often every replica reads each service's nodes again (the users gauge, a missed change). */
const REFRESH_MS = 10_000
/** A local copy older than this (refreshes failing) is not trusted for cached assignments. */
const TRUST_MS = 3 * REFRESH_MS
/** Longest a user's node is served from the local cache without asking the store. */
const CACHED_ASSIGNMENT_MS = 60_000

export interface Placement {
  /**
   * The user's node for the service: from this replica's copy when it can be trusted (no Redis
   * round trip), else from the shared store, which assigns one to a new user. Undefined when the
   * service has no node. Throws GateError NODES_FULL (503 with Retry-After) or STORE_UNAVAILABLE.
   */
  nodeFor(service: Service, uid: string): string | undefined | Promise<string | undefined>
  /** The user's node now, without assigning one (token introspection). */
  current(service: Service, uid: string): Promise<string | undefined>
  /** Forgets the user's node in every service (account deleted). */
  releaseUser(uid: string): Promise<void>
  /** Adds the configured nodes that the store has never seen, then keeps the local copies fresh. */
  start(): Promise<void>
  /** Whether every service's nodes were read once (before that, users could miss their node). */
  ready(): boolean
  close(): void
}

export interface PlacementDeps {
  readonly store: NodeStore
  readonly services: ServiceRegistry
  readonly metrics: Metrics
  readonly logger: Logger
  readonly clock: () => number
}

interface Directory {
  /** url → node, as last read from the store; undefined until read once. */
  nodes: Map<string, NodeState> | undefined
  loadedAt: number
  /** An operator changed the nodes and the new copy is not read yet. */
  stale: boolean
  /** Announcements heard: a read started before the last one may miss it. */
  changes: number
  seeded: boolean
  /** The configured nodes being added to the store (once; a failure is tried again). */
  seeding: Promise<void> | undefined
  readonly cache: LRUCache<string, { readonly url: string; readonly generation: number; readonly at: number }>
  readonly inFlight: Map<string, Promise<string | undefined>>
}

/**
 * Node assignment as the request path sees it. Each replica keeps, per service, a copy of the node
 * table (read every 10 s and whenever an operator announces a change on pub/sub) and the nodes of
 * the users it served recently. A cached node is used only while it is up in a copy that is fresh
 * and while announcements cannot have been missed; anything else asks the store, whose scripts
 * decide atomically for every replica.
 */
export function createPlacement(deps: PlacementDeps): Placement {
  const { store, metrics, logger, clock } = deps
  const directories = new Map<string, Directory>()
  for (const service of deps.services.services) {
    directories.set(service.name, {
      nodes: undefined,
      loadedAt: 0,
      stale: false,
      changes: 0,
      seeded: service.configuredNodes.length === 0,
      seeding: undefined,
      cache: new LRUCache({ max: 50_000 }),
      inFlight: new Map(),
    })
  }
  const known = new Map<string, Set<string>>()
  // Every counter has its series from the start.
  for (const service of deps.services.services) metrics.serviceNodeRefusals.inc({ service: service.name }, 0)
  let timer: NodeJS.Timeout | undefined
  let closed = false

  function publish(service: string, nodes: NodeState[]): void {
    const before = known.get(service) ?? new Set<string>()
    const now = new Set(nodes.map((node) => node.url))
    for (const url of before) {
      if (now.has(url)) continue
      for (const gauge of [metrics.serviceNodeUsers, metrics.serviceNodeCapacity, metrics.serviceNodeUp])
        gauge.remove({ service, node: url })
    }
    for (const node of nodes) {
      const labels = { service, node: node.url }
      metrics.serviceNodeUsers.set(labels, node.users)
      metrics.serviceNodeCapacity.set(labels, node.capacity)
      metrics.serviceNodeUp.set(labels, node.down ? 0 : 1)
      // Every counter has its series from the start, so rate() sees the first assignment.
      if (!before.has(node.url))
        for (const kind of ['new', 'moved']) metrics.serviceNodeAssignments.inc({ ...labels, kind }, 0)
    }
    known.set(service, now)
  }

  /** The configured nodes are in the store before anyone is placed (or told there is no node). */
  function seeded(service: Service, directory: Directory): Promise<void> | undefined {
    if (directory.seeded) return undefined
    directory.seeding ??= seed(service, directory).finally(() => {
      directory.seeding = undefined
    })
    return directory.seeding
  }

  async function seed(service: Service, directory: Directory): Promise<void> {
    for (const node of service.configuredNodes)
      await store.seed(service.name, node.url, node.capacity, service.release)
    directory.seeded = true
    const stored = new Map((await store.list(service.name)).map((node) => [node.url, node]))
    for (const node of service.configuredNodes) {
      const current = stored.get(node.url)
      if (current === undefined)
        logger.warn(
          { service: service.name, node: node.url },
          'a configured node was removed by an operator; the configuration no longer adds it',
        )
      else if (current.capacity !== node.capacity)
        logger.warn(
          { service: service.name, node: node.url, configured: node.capacity, stored: current.capacity },
          'a configured node has another capacity in the store, which wins (change it with fxa-gate nodes capacity)',
        )
    }
  }

  async function load(service: Service): Promise<void> {
    const directory = directories.get(service.name)!
    const startedAt = clock()
    const changes = directory.changes
    await seeded(service, directory)
    const nodes = await store.list(service.name)
    // A change announced while this read was under way may not be in it: the read it started wins.
    if (directory.changes !== changes) return
    directory.nodes = new Map(nodes.map((node) => [node.url, node]))
    directory.loadedAt = startedAt
    directory.stale = false
    publish(service.name, nodes)
  }

  async function loadAll(): Promise<void> {
    for (const service of deps.services.services) {
      if (closed) return
      await load(service).catch((error: GateError) => {
        logger.warn({ service: service.name, code: error.code }, 'could not read the nodes of a service')
      })
    }
  }

  const unsubscribe = store.onChange((name) => {
    // undefined: announcements may have been missed, so every service's copy is read again.
    const changed = name === undefined ? deps.services.services : [deps.services.byName(name)]
    for (const service of changed) {
      if (service === undefined) continue
      const directory = directories.get(service.name)!
      directory.stale = true
      directory.changes += 1
      void load(service).catch(() => {
        // The next refresh tries again; meanwhile the copy is not trusted.
      })
    }
  })

  function trusted(directory: Directory): boolean {
    return (
      directory.nodes !== undefined &&
      !directory.stale &&
      store.changesLive() &&
      clock() - directory.loadedAt < TRUST_MS
    )
  }

  async function fromStore(service: Service, directory: Directory, uid: string): Promise<string | undefined> {
    await seeded(service, directory)
    const result = await store.assign(service.name, uid, service.release)
    switch (result.kind) {
      case 'none':
        return undefined
      case 'full':
        metrics.serviceNodeRefusals.inc({ service: service.name })
        throw new GateError('NODES_FULL', {
          detail: `service ${service.name}`,
          retryAfterSeconds: Math.ceil(result.retryAfterMs / 1000),
        })
      default:
        if (result.kind !== 'kept')
          metrics.serviceNodeAssignments.inc({ service: service.name, node: result.node, kind: result.kind })
        directory.cache.set(uid, { url: result.node, generation: result.generation, at: clock() })
        return result.node
    }
  }

  return {
    nodeFor(service, uid) {
      const directory = directories.get(service.name)
      if (directory === undefined) return undefined
      const nodes = directory.nodes
      // No node to give: never read yet and none configured, or none in the last copy read.
      if (nodes === undefined ? service.configuredNodes.length === 0 : nodes.size === 0) return undefined
      const cached = directory.cache.get(uid)
      if (cached !== undefined && trusted(directory) && clock() - cached.at < CACHED_ASSIGNMENT_MS) {
        const node = nodes!.get(cached.url)
        if (node !== undefined && node.generation === cached.generation && !node.down) return cached.url
      }
      let pending = directory.inFlight.get(uid)
      if (pending === undefined) {
        pending = fromStore(service, directory, uid).finally(() => directory.inFlight.delete(uid))
        directory.inFlight.set(uid, pending)
      }
      return pending
    },
    current: (service, uid) => store.current(service.name, uid),
    ready: () => [...directories.values()].every((directory) => directory.nodes !== undefined),
    async releaseUser(uid) {
      for (const service of deps.services.services) {
        directories.get(service.name)!.cache.delete(uid)
        await store.release(service.name, uid)
      }
    },
    async start() {
      await loadAll()
      if (closed) return
      timer = setInterval(() => void loadAll(), REFRESH_MS)
      timer.unref()
    },
    close() {
      closed = true
      unsubscribe()
      if (timer !== undefined) clearInterval(timer)
    },
  }
}
