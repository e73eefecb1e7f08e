import { Cluster, type Redis } from 'ioredis'
import type { RunCommand } from './deadline.ts'

/**
 * Every key matching `pattern` on every master, in batches (SCAN, so Redis is never blocked). For
 * repairs only (rebuilding an index a bad write destroyed): it reads the whole key space.
 */
export async function scanKeys(
  client: Redis | Cluster,
  run: RunCommand,
  pattern: string,
  onBatch: (keys: string[]) => Promise<void>,
): Promise<void> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client]
  for (const node of nodes) {
    let cursor = '0'
    do {
      const [next, keys] = await run('scan', () => node.scan(cursor, 'MATCH', pattern, 'COUNT', 500))
      cursor = next
      if (keys.length > 0) await onBatch(keys)
    } while (cursor !== '0')
  }
}
