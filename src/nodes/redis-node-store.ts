import type { Cluster, Redis } from 'ioredis'
import { GateError } from '../errors.ts'
import { NODE_SCRIPTS, type NodeScriptName } from './redis-scripts.ts'
import type { Assignment, NodeChange, NodeState, NodeStore } from './types.ts'

export interface RedisNodeStoreOptions {
  /** Commands; made by `createRedis`. */
  readonly redis: Redis | Cluster
  /**
   * A connection for pub/sub (`createSubscriber(redis)`); the store subscribes it. Absent for a
   * store that only announces (the `nodes` command): it then hears nothing.
   */
  readonly subscriber?: Redis | Cluster | undefined
  readonly keyPrefix: string
  /** ms since the epoch; absent = the Redis server's clock. */
  readonly clock?: () => number
}

/**
 * The keys of one service's assignments. The hash tag `{service}` puts them in one Cluster slot, so
 * every script runs atomically on one node; service names are `[a-z0-9-]+` and hold no brace.
 */
export function nodeKeys(prefix: string, service: string): string[] {
  const base = `${prefix}n:{${service}}:`
  return [`${base}nodes`, `${base}users`, `${base}seeded`, `${base}generation`]
}

/** The pub/sub channel that names a service whose nodes an operator changed. */
export const nodesChannel = (prefix: string) => `${prefix}nodes-changed`

type Script = (...args: string[]) => Promise<unknown>

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

function assignment(reply: unknown): Assignment {
  const [kind, first, second] = reply as [string, unknown, unknown]
  if (kind === 'none') return { kind }
  if (kind === 'full') return { kind, retryAfterMs: Number(first) }
  if (kind === 'kept' || kind === 'new' || kind === 'moved')
    return { kind, node: String(first), generation: Number(second) }
  throw new Error(`unexpected node assignment reply ${String(kind)}`)
}

/**
 * Node assignments in Redis, shared by every replica (standalone, Sentinel or Cluster). Every
 * ioredis failure becomes GateError STORE_UNAVAILABLE here. Operator changes are announced on one
 * pub/sub channel; `changesLive` says whether this replica can have missed one.
 */
export function createRedisNodeStore(options: RedisNodeStoreOptions): NodeStore {
  const { redis, subscriber, keyPrefix } = options
  for (const [name, lua] of Object.entries(NODE_SCRIPTS)) redis.defineCommand(name, { numberOfKeys: 4, lua })
  const scripts = redis as unknown as Record<NodeScriptName, Script>
  const now = (): string => (options.clock ? String(Math.floor(options.clock())) : '')
  const run = (name: NodeScriptName, service: string, ...args: string[]) =>
    guard(() => scripts[name].call(redis, ...nodeKeys(keyPrefix, service), ...args))
  const channel = nodesChannel(keyPrefix)
  const listeners = new Set<(service: string) => void>()
  const subscription =
    subscriber === undefined
      ? { live: () => false, stop: () => {} }
      : watchChannel(subscriber, channel, (service) => {
          for (const listener of listeners) {
            try {
              listener(service)
            } catch {
              // One failing listener must not keep the others from hearing it.
            }
          }
        })

  return {
    shared: true,
    assign: async (service, uid, release) =>
      assignment(
        await run('fxaGateNodeAssign', service, uid, String(release.rate), String(release.intervalMs), now()),
      ),
    async current(service, uid) {
      const url = await run('fxaGateNodeCurrent', service, uid)
      return typeof url === 'string' ? url : undefined
    },
    async release(service, uid) {
      await run('fxaGateNodeRelease', service, uid)
    },
    list: (service) =>
      guard(async () => {
        const all = await redis.hgetall(nodeKeys(keyPrefix, service)[0]!)
        const nodes: NodeState[] = []
        for (const [url, raw] of Object.entries(all)) {
          const node = decodeNode(url, raw)
          if (node !== undefined) nodes.push(node)
        }
        return nodes.sort((a, b) => a.generation - b.generation)
      }),
    add: async (service, url, capacity, release) =>
      (await run(
        'fxaGateNodeAdd',
        service,
        url,
        String(capacity),
        String(release.rate),
        now(),
        '0',
      )) as NodeChange,
    seed: async (service, url, capacity, release) =>
      (await run('fxaGateNodeAdd', service, url, String(capacity), String(release.rate), now(), '1')) as
        | 'added'
        | 'known',
    remove: async (service, url) => (await run('fxaGateNodeRemove', service, url)) as NodeChange,
    setDown: async (service, url, down) =>
      (await run('fxaGateNodeSet', service, url, 'd', down ? '1' : '0')) as NodeChange,
    setCapacity: async (service, url, capacity) =>
      (await run('fxaGateNodeSet', service, url, 'c', String(capacity))) as NodeChange,
    announce: (service) =>
      guard(async () => {
        await redis.publish(channel, service)
      }),
    onChange(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    changesLive: () => subscription.live(),
    ping: () =>
      guard(async () => {
        await redis.ping()
      }),
    async close() {
      subscription.stop()
      listeners.clear()
      subscriber?.disconnect()
    },
  }
}

/**
 * Keeps `subscriber` subscribed to `channel`; `live` is false from the moment the connection is lost
 * until the subscription is made again (announcements may have been missed meanwhile).
 */
function watchChannel(subscriber: Redis | Cluster, channel: string, onMessage: (message: string) => void) {
  let live = false
  let stopped = false
  let attempt = 0
  const lose = (): void => {
    attempt += 1
    live = false
  }
  const resubscribe = (): void => {
    const started = attempt
    subscriber.subscribe(channel).then(
      () => {
        if (!stopped && started === attempt && subscriber.status === 'ready') live = true
      },
      () => {
        // Retried on the next `ready`.
      },
    )
  }
  const message = (from: string, text: string): void => {
    if (!stopped && from === channel) onMessage(text)
  }
  const error = (): void => {
    lose()
    if (subscriber.status === 'ready') resubscribe()
  }
  subscriber.on('message', message)
  subscriber.on('close', lose)
  subscriber.on('end', lose)
  subscriber.on('error', error)
  subscriber.on('ready', resubscribe)
  resubscribe()
  return {
    live: () => live && !stopped,
    stop(): void {
      stopped = true
      live = false
      subscriber.off('message', message)
      subscriber.off('ready', resubscribe)
      subscriber.off('close', lose)
      subscriber.off('end', lose)
      subscriber.off('error', error)
    },
  }
}

/** The one boundary where ioredis errors become GateError STORE_UNAVAILABLE (no arguments kept). */
async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (error) {
    if (error instanceof GateError) throw error
    const original = error instanceof Error ? error : new Error(String(error))
    const cause = new Error(original.message.slice(0, 200))
    cause.name = original.name
    throw new GateError('STORE_UNAVAILABLE', { cause, detail: `node store: ${original.name}` })
  }
}
