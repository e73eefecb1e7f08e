import type { LuaScript } from '../redis/layer.ts'

/**
 * The node store's Lua scripts. Every one takes the four keys of one service — nodes (hash url →
 * JSON state), users (hash uid → "<generation> <url>"), seeded (set of urls), generation (counter)
 * — which share the service's hash tag, so each runs atomically on the one Cluster node owning them.
 * They follow src/nodes/placement-rule.ts step for step. `now` is the caller's clock in ms, or empty
 * for the Redis server's (one clock for every replica).
 *
 * Every reply starts with the problem found in what Redis held ('' when none): a key of the wrong
 * type (deleted; a nodes table also forgets what was seeded, so the configuration adds its nodes
 * again), or an entry that is not ours (deleted). The rest of the reply is the answer.
 */
const PRELUDE = `
local problem = ''
local function typed(key, kind)
  local t = redis.call('TYPE', key).ok
  if t ~= 'none' and t ~= kind then
    redis.call('DEL', key)
    problem = 'wrong_type'
    return false
  end
  return true
end
if not typed(KEYS[1], 'hash') then redis.call('DEL', KEYS[3]) end
typed(KEYS[2], 'hash')
typed(KEYS[3], 'set')
typed(KEYS[4], 'string')
local function now_ms(arg)
  local given = tonumber(arg)
  if given then return given end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function decode(raw)
  if not raw then return nil end
  local ok, n = pcall(cjson.decode, raw)
  if not ok or type(n) ~= 'table' then return nil end
  for _, field in ipairs({'c', 'l', 'a', 't', 'd', 'g'}) do
    if type(n[field]) ~= 'number' then return nil end
  end
  return n
end
-- A node's state, or nil; an entry that is not a state is deleted and reported.
local function node_of(url)
  local raw = redis.call('HGET', KEYS[1], url)
  local node = decode(raw)
  if raw and not node then
    redis.call('HDEL', KEYS[1], url)
    problem = 'schema'
  end
  return node
end
local function encode(n)
  return cjson.encode({c = n.c, l = n.l, a = n.a, t = n.t, d = n.d, g = n.g})
end
-- The user's node and its generation, or nil; an entry that is not one is deleted and reported.
local function placed(uid)
  local raw = redis.call('HGET', KEYS[2], uid)
  if not raw then return nil end
  local space = string.find(raw, ' ', 1, true)
  local generation = space and tonumber(string.sub(raw, 1, space - 1))
  if not generation then
    redis.call('HDEL', KEYS[2], uid)
    problem = 'schema'
    return nil
  end
  return generation, string.sub(raw, space + 1)
end
local function step(capacity, rate)
  return math.max(1, math.ceil(capacity * rate - 1e-9))
end
local function fresh(capacity, rate, now, generation)
  return {c = capacity, l = 0, a = math.min(step(capacity, rate), capacity), t = now, d = 0, g = generation}
end
`

const script = (lua: string): LuaScript => ({ keys: 4, lua: `${PRELUDE}${lua}` })

export const NODE_SCRIPTS = {
  /** ARGV: uid, rate, intervalMs, now. → {problem, kind, url, generation} | {problem, 'full', ms} | {problem, 'none'} */
  fxaGateNodeAssign: script(`
local uid = ARGV[1]
local rate = tonumber(ARGV[2])
local interval = tonumber(ARGV[3])
local now = now_ms(ARGV[4])
local moving = false
local generation, url = placed(uid)
if url then
  local node = node_of(url)
  if node and node.g == generation then
    if node.d == 0 then return {problem, 'kept', url, generation} end
    node.l = math.max(0, node.l - 1)
    redis.call('HSET', KEYS[1], url, encode(node))
  end
  redis.call('HDEL', KEYS[2], uid)
  moving = true
end
local all = redis.call('HGETALL', KEYS[1])
local bestUrl, best, nextRelease
for i = 1, #all, 2 do
  local node = decode(all[i + 1])
  if not node then
    redis.call('HDEL', KEYS[1], all[i])
    problem = 'schema'
  elseif node.d == 0 and node.l < node.c then
    if node.a <= 0 and now - node.t >= interval then
      node.a = math.min(step(node.c, rate), node.c - node.l)
      node.t = now
    end
    if not moving and node.a <= 0 then
      local at = node.t + interval
      if not nextRelease or at < nextRelease then nextRelease = at end
    else
      local better = not best
      if best then
        local left, right = node.l * best.c, best.l * node.c
        if left ~= right then better = left < right
        elseif node.l ~= best.l then better = node.l < best.l
        else better = node.g < best.g end
      end
      if better then bestUrl, best = all[i], node end
    end
  end
end
if redis.call('HLEN', KEYS[1]) == 0 then return {problem, 'none'} end
if not best then
  local wait = interval
  if nextRelease then wait = nextRelease - now end
  return {problem, 'full', math.floor(math.max(1000, wait))}
end
best.l = best.l + 1
local spend = 1
if moving then spend = 0 end
best.a = math.max(0, math.min(best.a - spend, best.c - best.l))
redis.call('HSET', KEYS[1], bestUrl, encode(best))
redis.call('HSET', KEYS[2], uid, string.format('%d %s', best.g, bestUrl))
if moving then return {problem, 'moved', bestUrl, best.g} end
return {problem, 'new', bestUrl, best.g}`),

  /** ARGV: uid. → {problem, url} while the user's node is up, {problem} otherwise. */
  fxaGateNodeCurrent: script(`
local generation, url = placed(ARGV[1])
if not url then return {problem} end
local node = node_of(url)
if node and node.g == generation and node.d == 0 then return {problem, url} end
return {problem}`),

  /** ARGV: uid. Forgets the user's node; its count drops. */
  fxaGateNodeRelease: script(`
local generation, url = placed(ARGV[1])
if url then
  local node = node_of(url)
  if node and node.g == generation then
    node.l = math.max(0, node.l - 1)
    redis.call('HSET', KEYS[1], url, encode(node))
  end
end
redis.call('HDEL', KEYS[2], ARGV[1])
return {problem}`),

  /** ARGV: none. → {problem, url, state, url, state…} (entries that are not states deleted). */
  fxaGateNodeList: script(`
local all = redis.call('HGETALL', KEYS[1])
local reply = {problem}
for i = 1, #all, 2 do
  if decode(all[i + 1]) then
    reply[#reply + 1] = all[i]
    reply[#reply + 1] = all[i + 1]
  else
    redis.call('HDEL', KEYS[1], all[i])
    reply[1] = 'schema'
  end
end
return reply`),

  /** ARGV: url, capacity, rate, now, seeding (1/0). → {problem, 'added' | 'exists' | 'known'} */
  fxaGateNodeAdd: script(`
local url = ARGV[1]
local present = node_of(url) ~= nil
if ARGV[5] == '1' then
  if redis.call('SADD', KEYS[3], url) == 0 or present then return {problem, 'known'} end
elseif present then
  return {problem, 'exists'}
end
local generation = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[1], url, encode(fresh(tonumber(ARGV[2]), tonumber(ARGV[3]), now_ms(ARGV[4]), generation)))
return {problem, 'added'}`),

  /** ARGV: url. Its users move on their next request; configuration never adds it back. */
  fxaGateNodeRemove: script(`
redis.call('SADD', KEYS[3], ARGV[1])
if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then return {problem, 'changed'} end
return {problem, 'missing'}`),

  /** ARGV: url, field ('d' or 'c'), value. */
  fxaGateNodeSet: script(`
local node = node_of(ARGV[1])
if not node then return {problem, 'missing'} end
local value = tonumber(ARGV[3])
if ARGV[2] == 'd' then node.d = value
else
  node.c = value
  node.a = math.min(node.a, math.max(0, value - node.l))
end
redis.call('HSET', KEYS[1], ARGV[1], encode(node))
return {problem, 'changed'}`),
} as const satisfies Record<string, LuaScript>

export type NodeScriptName = keyof typeof NODE_SCRIPTS
