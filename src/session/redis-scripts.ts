import type { LuaScript } from '../redis/layer.ts'

// Every script touches one key, so each runs on the node that owns it (Cluster-safe). A key of the
// wrong type is deleted and reported ('!', problem) instead of failing every later command on it.
// ARGV "now" is the caller's clock in ms, or empty for the server's TIME (one clock for every replica).
const NOW = `
local now = tonumber(ARGV[#ARGV])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end`

/** A session is a hash: record `r`, MAC `m`, deadline `x` — or only `e` once ended (a tombstone). */
export const SESSION_SCRIPTS = {
  /** KEYS: session. ARGV: json, mac, expiresAt, idleMs, now. Idle lifetime capped at the deadline. */
  fxaGateSessionCreate: {
    keys: 1,
    lua: `${NOW}
redis.call('DEL', KEYS[1])
local ttl = math.min(tonumber(ARGV[4]), tonumber(ARGV[3]) - now)
if ttl <= 0 then return 0 end
redis.call('HSET', KEYS[1], 'r', ARGV[1], 'm', ARGV[2], 'x', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl)
return 1`,
  },
  /**
   * KEYS: session. ARGV: idleMs ('' = do not extend), now. Returns {record, mac, PTTL}, false when
   * absent or ended, or {'!', problem} after deleting an unusable key. Extends the idle lifetime,
   * never past the deadline, in the same round trip.
   */
  fxaGateSessionRead: {
    keys: 1,
    lua: `
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'none' then return false end
if kind ~= 'hash' then redis.call('DEL', KEYS[1]) return {'!', 'wrong_type'} end
local v = redis.call('HMGET', KEYS[1], 'r', 'm', 'x', 'e')
if not v[1] then
  if v[4] then return false end
  redis.call('DEL', KEYS[1]) return {'!', 'schema'}
end
local deadline = tonumber(v[3])
if not deadline or not v[2] then redis.call('DEL', KEYS[1]) return {'!', 'schema'} end
if ARGV[1] ~= '' then
  ${NOW}
  local ttl = math.min(tonumber(ARGV[1]), deadline - now)
  if ttl <= 0 then redis.call('DEL', KEYS[1]) return false end
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return {v[1], v[2], redis.call('PTTL', KEYS[1])}`,
  },
  /** KEYS: session. Returns 'live', 'ended' (tombstone) or 'absent' (a wrong-typed key is deleted). */
  fxaGateSessionState: {
    keys: 1,
    lua: `
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'none' then return 'absent' end
if kind ~= 'hash' then redis.call('DEL', KEYS[1]) return 'wrong_type' end
if redis.call('HEXISTS', KEYS[1], 'r') == 1 then return 'live' end
if redis.call('HEXISTS', KEYS[1], 'e') == 1 then return 'ended' end
return 'absent'`,
  },
  /** KEYS: session. ARGV: json. Deletes the record only if it is still that one (found invalid). */
  fxaGateSessionDropIf: {
    keys: 1,
    lua: `
local kind = redis.call('TYPE', KEYS[1]).ok
if kind ~= 'hash' then return 0 end
if redis.call('HGET', KEYS[1], 'r') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`,
  },
  /**
   * KEYS: session. ARGV: json, mac, expiresAt, channel, message, expected tokens ('' = any), now.
   * Replaces the record of a live session; the lifetime may shrink, never grow. With expected
   * tokens, only while the stored record holds them (a rotated refresh token is never put back).
   * Publishes the change in the same script.
   */
  fxaGateSessionUpdate: {
    keys: 1,
    lua: `
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' or redis.call('HEXISTS', KEYS[1], 'r') == 0 then return 0 end
if ARGV[6] ~= '' then
  local ok, stored = pcall(cjson.decode, redis.call('HGET', KEYS[1], 'r'))
  if not ok or type(stored) ~= 'table' or stored.tokens ~= ARGV[6] then return 0 end
end
${NOW}
local left = tonumber(ARGV[3]) - now
if left <= 0 then redis.call('DEL', KEYS[1]) return 0 end
redis.call('HSET', KEYS[1], 'r', ARGV[1], 'm', ARGV[2], 'x', ARGV[3])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 or ttl > left then redis.call('PEXPIRE', KEYS[1], left) end
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1`,
  },
  /**
   * KEYS: session. ARGV: tombstoneMs, channel, message. Ends the session whatever its state, leaves a
   * tombstone, publishes the end. Always writes, so that a retry's WAIT also covers an earlier
   * attempt the replicas did not confirm. Returns what it ended: {record, mac}, 'ended' (a tombstone
   * was there already), or false (nothing was).
   */
  fxaGateSessionEnd: {
    keys: 1,
    lua: `
local v = false
if redis.call('TYPE', KEYS[1]).ok == 'hash' then v = redis.call('HMGET', KEYS[1], 'r', 'm', 'e') end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'e', '1')
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
if v and v[1] then return {v[1], v[2] or ''} end
if v and v[3] then return 'ended' end
return false`,
  },
} as const satisfies Record<string, LuaScript>

/** A set of ids (a user's sessions or token hashes), repaired when a bad write changed its type. */
export const INDEX_SCRIPTS = {
  /** KEYS: index. ARGV: member, ttlMs. Returns 1 when a wrong-typed key had to be replaced. */
  fxaGateIndexAdd: {
    keys: 1,
    lua: `
local repaired = 0
local kind = redis.call('TYPE', KEYS[1]).ok
if kind ~= 'none' and kind ~= 'set' then redis.call('DEL', KEYS[1]) repaired = 1 end
redis.call('SADD', KEYS[1], ARGV[1])
local ttl = tonumber(ARGV[2])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return repaired`,
  },
  /** KEYS: index. Returns {repaired, members}; a wrong-typed key is deleted (repaired = 1, no members). */
  fxaGateIndexMembers: {
    keys: 1,
    lua: `
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'none' then return {0, {}} end
if kind ~= 'set' then redis.call('DEL', KEYS[1]) return {1, {}} end
return {0, redis.call('SMEMBERS', KEYS[1])}`,
  },
  /** KEYS: index. ARGV: members. */
  fxaGateIndexRemove: {
    keys: 1,
    lua: `
if redis.call('TYPE', KEYS[1]).ok ~= 'set' then return 0 end
return redis.call('SREM', KEYS[1], unpack(ARGV))`,
  },
} as const satisfies Record<string, LuaScript>

/** The tombstone of an ended session outlives any retry of the call that ended it. */
export const TOMBSTONE_MS = 3_600_000
