import type { RedisLayer } from '../redis/layer.ts'
import type { RecordCodec } from './record.ts'
import type { SessionKey, SessionRecord } from './types.ts'

/**
 * Rebuilds a user's session index from the sessions themselves, after a bad write replaced it
 * with something that is not a set: without it the user's sessions could not be found to revoke.
 * Reads every session record (SCAN, in batches) and keeps those whose verified record names `uid`.
 * Costly, and only ever run when an index was found destroyed.
 */
export async function rebuildUserIndex(deps: {
  readonly redis: RedisLayer
  readonly codec: RecordCodec
  readonly uid: string
  readonly index: (key: SessionKey, record: SessionRecord) => Promise<void>
}): Promise<SessionKey[]> {
  const { redis, codec, uid } = deps
  const found: SessionKey[] = []
  await redis.scan('session', async (redisKeys) => {
    const pipeline = redis.commands.pipeline()
    for (const key of redisKeys) redis.script(pipeline, 'fxaGateSessionRead', [key], ['', ''])
    const replies = (await redis.run('index repair', () => pipeline.exec())) ?? []
    for (const [i, [error, reply]] of replies.entries()) {
      const key = redis.keys.idOf('session', redisKeys[i]!)
      if (error || key === undefined || !Array.isArray(reply) || reply[0] === '!') continue
      const opened = codec.open(key, String(reply[0]), String(reply[1]))
      if (!opened.ok || opened.record.uid !== uid) continue
      await deps.index(key, opened.record)
      found.push(key)
    }
  })
  return found
}
