import calculateSlot from 'cluster-key-slot'
import { type ChainableCommander, Cluster, type Redis } from 'ioredis'
import { GateError } from '../errors.ts'
import type { RunCommand } from './deadline.ts'
import { translateRedisError } from './errors.ts'

/** How many replicas must confirm a durable write: `auto` = one when the master has any online. */
export type WaitReplicas = 'auto' | number

export interface DurableWrites {
  /**
   * Sends one write per key (queued by `queue` on a pipeline) and has the key's master confirm it
   * with `WAIT` on the same connection, in the same pipeline: a reconnect in between cannot make an
   * unconfirmed write look confirmed. Resolves with each write's reply, in the order of `keys`.
   * Throws GateError REPLICATION_UNCONFIRMED (503) when fewer replicas than required acknowledged
   * within the wait timeout: the write may be lost in a failover, so nobody may be told it is done.
   * Every write must be one that a retry can repeat (each of ours always writes something, so the
   * retry's WAIT covers the first attempt too).
   */
  write(
    operation: string,
    keys: readonly string[],
    queue: (pipeline: ChainableCommander, key: string) => void,
  ): Promise<unknown[]>
}

export interface DurabilityOptions {
  readonly writer: Redis | Cluster
  readonly run: RunCommand
  readonly replicas: WaitReplicas
  readonly waitTimeoutMs: number
}

export function createDurableWrites(options: DurabilityOptions): DurableWrites {
  const { writer, run, waitTimeoutMs } = options

  /** `auto`: one when the master reports an online replica now (a lagging one included). */
  async function required(node: Redis | Cluster, operation: string): Promise<number> {
    if (options.replicas !== 'auto') return options.replicas
    const info = await run(`${operation}: replicas`, () => node.info('replication'))
    return /^slave\d+:.*state=online/m.test(info) ? 1 : 0
  }

  return {
    async write(operation, keys, queue) {
      const replies = new Array<unknown>(keys.length)
      await Promise.all(
        groupByMaster(writer, keys).map(async ([node, indexes]) => {
          const count = await required(node, operation)
          const pipeline = writer.pipeline()
          for (const i of indexes) queue(pipeline, keys[i]!)
          if (count > 0) pipeline.call('WAIT', String(count), String(waitTimeoutMs))
          const results = await run(operation, () => pipeline.exec(), count > 0 ? waitTimeoutMs : 0)
          if (results === null) throw translateRedisError(new Error('pipeline discarded'), operation)
          indexes.forEach((keyIndex, i) => {
            const [error, value] = results[i] ?? [new Error('no reply'), undefined]
            if (error) throw translateRedisError(error, operation)
            replies[keyIndex] = value
          })
          if (count === 0) return
          const [error, acked] = results[indexes.length] ?? [new Error('no reply to WAIT'), 0]
          if (error) throw translateRedisError(error, operation)
          if (Number(acked) < count) {
            throw new GateError('REPLICATION_UNCONFIRMED', {
              detail: `${operation}: ${Number(acked)} of ${count} replicas confirmed within ${waitTimeoutMs} ms`,
            })
          }
        }),
      )
      return replies
    },
  }
}

/**
 * The keys' indexes grouped by the master that owns them (one group for a standalone or Sentinel
 * master). Without a slot table yet, each cluster key is a group of its own: its pipeline then
 * finds its node, or fails, like any command.
 */
function groupByMaster(writer: Redis | Cluster, keys: readonly string[]): Array<[Redis | Cluster, number[]]> {
  if (!(writer instanceof Cluster)) return [[writer, keys.map((_, index) => index)]]
  const masters = new Map(
    writer.nodes('master').map((node) => [`${node.options.host}:${node.options.port}`, node]),
  )
  const groups = new Map<string, [Redis | Cluster, number[]]>()
  keys.forEach((key, index) => {
    const owner = writer.slots[calculateSlot(key)]?.[0]
    const node = owner === undefined ? undefined : masters.get(owner)
    const id = node === undefined ? `?${index}` : owner!
    const group = groups.get(id) ?? [node ?? writer, []]
    group[1].push(index)
    groups.set(id, group)
  })
  return [...groups.values()]
}
