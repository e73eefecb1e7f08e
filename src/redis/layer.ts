import type { ChainableCommander, Cluster, Redis } from 'ioredis'
import { openConnections, type RedisConnectOptions, whenReady } from './client.ts'
import { createCommandRunner, type RunCommand } from './deadline.ts'
import { createDurableWrites, type DurableWrites, type WaitReplicas } from './durability.ts'
import type { RecordFaults } from './faults.ts'
import { type KeyFamily, type RedisKeys, redisKeys } from './keys.ts'
import { scanKeys } from './scan.ts'
import { type PubSub, watchSubscriber } from './subscriber.ts'
import type { RedisTarget } from './url.ts'

/** A Lua script touching `keys` keys (all in one cluster slot when more than one). */
export interface LuaScript {
  readonly keys: number
  readonly lua: string
}

type ScriptTarget = Redis | Cluster | ChainableCommander

/**
 * The one storage layer every Redis-backed store is built on: connections, key layout, pub/sub with
 * liveness, per-command deadlines, durable writes, and where bad data is reported. Stores never
 * create connections or build key names themselves.
 */
export interface RedisLayer {
  readonly target: RedisTarget
  /** The request path's connection; run every command on it through `run`. */
  readonly commands: Redis | Cluster
  readonly keys: RedisKeys
  readonly pubsub: PubSub
  readonly durable: DurableWrites
  readonly run: RunCommand
  readonly faults: RecordFaults
  /** Defines Lua scripts (by name) on the connections that run them. */
  defineScripts(scripts: Readonly<Record<string, LuaScript>>): void
  /** Calls a script defined with `defineScripts` on a client or a pipeline. */
  script(
    target: ScriptTarget,
    name: string,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): unknown
  /** Every key of a family, in batches (repairs only). */
  scan(family: KeyFamily, onBatch: (keys: string[]) => Promise<void>): Promise<void>
  /** Resolves once the command connection is ready, or rejects after `timeoutMs`. */
  ready(timeoutMs: number): Promise<void>
  /** Both the request path's and the durable writer's connections answer (readiness). */
  ping(): Promise<void>
  /** A rotated password, for the next (re)connections (see RedisConnections.usePassword). */
  usePassword(password: string | undefined): void
  close(): Promise<void>
}

export interface RedisLayerOptions extends RedisConnectOptions {
  readonly keyPrefix: string
  readonly waitReplicas: WaitReplicas
  readonly faults: RecordFaults
}

export function openRedisLayer(options: RedisLayerOptions): RedisLayer {
  const connections = openConnections(options)
  const { commands, writer } = connections
  const keys = redisKeys(options.keyPrefix)
  const run = createCommandRunner(options.commandTimeoutMs)
  const pubsub = watchSubscriber(connections.subscriber, [
    keys.channel('sessions'),
    keys.channel('tokens'),
    keys.channel('nodes'),
  ])
  return {
    target: connections.target,
    commands,
    keys,
    pubsub,
    run,
    faults: options.faults,
    durable: createDurableWrites({
      writer,
      run,
      replicas: options.waitReplicas,
      waitTimeoutMs: options.waitTimeoutMs,
    }),
    defineScripts(scripts) {
      for (const [name, { keys: numberOfKeys, lua }] of Object.entries(scripts)) {
        for (const client of [commands, writer]) client.defineCommand(name, { numberOfKeys, lua })
      }
    },
    script(target, name, scriptKeys, args) {
      const call = (target as unknown as Record<string, (...values: (string | number)[]) => unknown>)[name]
      if (typeof call !== 'function') throw new TypeError(`script ${name} is not defined`)
      return call.call(target, ...scriptKeys, ...args)
    },
    scan: (family, onBatch) => scanKeys(commands, run, keys.pattern(family), onBatch),
    ready: (timeoutMs) => whenReady(commands, timeoutMs),
    async ping() {
      await Promise.all([run('ping', () => commands.ping()), run('ping writer', () => writer.ping())])
    },
    usePassword: (password) => connections.usePassword(password),
    async close() {
      pubsub.stop()
      await connections.close()
    },
  }
}
