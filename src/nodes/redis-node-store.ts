import { GateError } from '../errors.ts'
import { storeUnavailable } from '../redis/errors.ts'
import type { RecordProblem } from '../redis/faults.ts'
import type { RedisLayer } from '../redis/layer.ts'
import { NODE_SCRIPTS, type NodeScriptName } from './redis-scripts.ts'
import type { Assignment, NodeChange, NodeState, NodeStore } from './types.ts'

export interface RedisNodeStoreOptions {
  readonly redis: RedisLayer
  /** ms since the epoch; absent = the Redis server's clock. */
  readonly clock?: (() => number) | undefined
}

/**
 * The keys of one service's assignments (see redis/keys.ts). The id `{service}` is a Cluster hash
 * tag: the four keys share a slot, so every script runs atomically on one node. Service names are
 * `[a-z0-9-]+` and hold no brace.
 */
export function nodeKeys(redis: Pick<RedisLayer, 'keys'>, service: string): string[] {
  const id = `{${service}}`
  return [
    redis.keys.key('nodeTable', id),
    redis.keys.key('nodeUsers', id),
    redis.keys.key('nodeSeeded', id),
    redis.keys.key('nodeGeneration', id),
  ]
}

function decodeNode(url: string, raw: string): NodeState | undefined {
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return undefined
  }
  const node = value as Partial<Record<'c' | 'l' | 'a' | 't' | 'd' | 'g', unknown>>
  const fields = [node.c, node.l, node.a, node.t, node.d, node.g]
  if (!fields.every((field) => typeof field === 'number' && Number.isFinite(field))) return undefined
  return {
    url,
    capacity: node.c as number,
    users: node.l as number,
    available: node.a as number,
    releasedAt: node.t as number,
    down: node.d === 1,
    generation: node.g as number,
  }
}

function assignment(reply: readonly unknown[]): Assignment {
  const [kind, first, second] = reply
  if (kind === 'none') return { kind }
  if (kind === 'full') return { kind, retryAfterMs: Number(first) }
  if (kind === 'kept' || kind === 'new' || kind === 'moved')
    return { kind, node: String(first), generation: Number(second) }
  throw new Error(`unexpected node assignment reply ${String(kind)}`)
}

/**
 * Node assignments in Redis, on the storage layer (its connections, deadlines, pub/sub liveness and
 * fault reports), shared by every replica. Every failure is GateError STORE_UNAVAILABLE; bad data a
 * script found is deleted there and reported here. Operator changes are announced on the `nodes`
 * channel; `changesLive` says whether this replica can have missed one.
 */
export function createRedisNodeStore(options: RedisNodeStoreOptions): NodeStore {
  const { redis } = options
  redis.defineScripts(NODE_SCRIPTS)
  const now = (): string => (options.clock ? String(Math.floor(options.clock())) : '')
  const channel = redis.keys.channel('nodes')

  /** Runs a script; reports what it found wrong and gives back the rest of its reply. */
  async function run(operation: string, name: NodeScriptName, service: string, ...args: string[]) {
    try {
      const reply = (await redis.run(operation, () =>
        Promise.resolve(redis.script(redis.commands, name, nodeKeys(redis, service), args)),
      )) as unknown[]
      const [problem, ...rest] = reply
      if (problem === 'wrong_type' || problem === 'schema')
        redis.faults.report('node', problem as RecordProblem)
      return rest
    } catch (error) {
      throw error instanceof GateError ? error : storeUnavailable(error, operation)
    }
  }
  const change = async (operation: string, name: NodeScriptName, service: string, ...args: string[]) =>
    (await run(operation, name, service, ...args))[0] as NodeChange

  const listeners = new Set<(service: string | undefined) => void>()
  const tell = (service: string | undefined) => {
    for (const listener of listeners) {
      try {
        listener(service)
      } catch {
        // One failing listener must not keep the others from hearing it.
      }
    }
  }
  const unsubscribe = redis.pubsub.on(channel, tell)
  // Announcements may have been missed: any service may have changed.
  const unreset = redis.pubsub.onReset(() => tell(undefined))

  return {
    shared: true,
    assign: async (service, uid, release) =>
      assignment(
        await run(
          'node assign',
          'fxaGateNodeAssign',
          service,
          uid,
          String(release.rate),
          String(release.intervalMs),
          now(),
        ),
      ),
    async current(service, uid) {
      const [url] = await run('node read', 'fxaGateNodeCurrent', service, uid)
      return typeof url === 'string' ? url : undefined
    },
    async release(service, uid) {
      await run('node release', 'fxaGateNodeRelease', service, uid)
    },
    async list(service) {
      const flat = (await run('node list', 'fxaGateNodeList', service)).map(String)
      const nodes: NodeState[] = []
      for (let i = 0; i < flat.length; i += 2) {
        const node = decodeNode(flat[i]!, flat[i + 1]!)
        if (node !== undefined) nodes.push(node)
      }
      return nodes.sort((a, b) => a.generation - b.generation)
    },
    add: (service, url, capacity, release) =>
      change('node add', 'fxaGateNodeAdd', service, url, String(capacity), String(release.rate), now(), '0'),
    seed: async (service, url, capacity, release) =>
      (await change(
        'node seed',
        'fxaGateNodeAdd',
        service,
        url,
        String(capacity),
        String(release.rate),
        now(),
        '1',
      )) as 'added' | 'known',
    remove: (service, url) => change('node remove', 'fxaGateNodeRemove', service, url),
    setDown: (service, url, down) =>
      change('node down', 'fxaGateNodeSet', service, url, 'd', down ? '1' : '0'),
    setCapacity: (service, url, capacity) =>
      change('node capacity', 'fxaGateNodeSet', service, url, 'c', String(capacity)),
    async announce(service) {
      try {
        await redis.run('node announce', () => redis.commands.publish(channel, service))
      } catch (error) {
        throw storeUnavailable(error, 'node announce')
      }
    },
    onChange(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    changesLive: () => redis.pubsub.live(),
    ping: () => redis.ping().catch((error: unknown) => Promise.reject(storeUnavailable(error, 'ping'))),
    async close() {
      unsubscribe()
      unreset()
      listeners.clear()
    },
  }
}
