/**
 * The node store's Lua scripts. Every one takes the four keys of one service — nodes (hash url →
 * JSON state), users (hash uid → "<generation> <url>"), seeded (set of urls), generation (counter)
 * — which share the service's hash tag, so each runs atomically on the one Cluster node owning them.
 * They follow src/nodes/placement-rule.ts step for step. `now` is the caller's clock in ms, or empty
 * for the Redis server's (one clock for every replica).
 */
const HELPERS = `
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
local function encode(n)
  return cjson.encode({c = n.c, l = n.l, a = n.a, t = n.t, d = n.d, g = n.g})
end
local function placed(raw)
  if not raw then return nil end
  local space = string.find(raw, ' ', 1, true)
  if not space then return nil end
  return tonumber(string.sub(raw, 1, space - 1)), string.sub(raw, space + 1)
end
local function step(capacity, rate)
  return math.max(1, math.ceil(capacity * rate - 1e-9))
end
local function fresh(capacity, rate, now, generation)
  return {c = capacity, l = 0, a = math.min(step(capacity, rate), capacity), t = now, d = 0, g = generation}
end
`

export const NODE_SCRIPTS = {
  /** ARGV: uid, rate, intervalMs, now. → {kind, url, generation} | {'full', retryAfterMs} | {'none'} */
  fxaGateNodeAssign: `${HELPERS}
local uid = ARGV[1]
local rate = tonumber(ARGV[2])
local interval = tonumber(ARGV[3])
local now = now_ms(ARGV[4])
local moving = false
local raw = redis.call('HGET', KEYS[2], uid)
if raw then
  local generation, url = placed(raw)
  local node = url and decode(redis.call('HGET', KEYS[1], url))
  if node and node.g == generation then
    if node.d == 0 then return {'kept', url, generation} end
    node.l = math.max(0, node.l - 1)
    redis.call('HSET', KEYS[1], url, encode(node))
  end
  redis.call('HDEL', KEYS[2], uid)
  moving = generation ~= nil
end
local all = redis.call('HGETALL', KEYS[1])
if #all == 0 then return {'none'} end
local bestUrl, best, nextRelease
for i = 1, #all, 2 do
  local node = decode(all[i + 1])
  if node and node.d == 0 and node.l < node.c then
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
if not best then
  local wait = interval
  if nextRelease then wait = nextRelease - now end
  return {'full', math.floor(math.max(1000, wait))}
end
best.l = best.l + 1
local spend = 1
if moving then spend = 0 end
best.a = math.max(0, math.min(best.a - spend, best.c - best.l))
redis.call('HSET', KEYS[1], bestUrl, encode(best))
redis.call('HSET', KEYS[2], uid, string.format('%d %s', best.g, bestUrl))
if moving then return {'moved', bestUrl, best.g} end
return {'new', bestUrl, best.g}`,

  /** ARGV: uid. → url of the user's node while it is up, or nil. */
  fxaGateNodeCurrent: `${HELPERS}
local generation, url = placed(redis.call('HGET', KEYS[2], ARGV[1]))
if not url then return false end
local node = decode(redis.call('HGET', KEYS[1], url))
if node and node.g == generation and node.d == 0 then return url end
return false`,

  /** ARGV: uid. Forgets the user's node; its count drops. */
  fxaGateNodeRelease: `${HELPERS}
local generation, url = placed(redis.call('HGET', KEYS[2], ARGV[1]))
if url then
  local node = decode(redis.call('HGET', KEYS[1], url))
  if node and node.g == generation then
    node.l = math.max(0, node.l - 1)
    redis.call('HSET', KEYS[1], url, encode(node))
  end
end
return redis.call('HDEL', KEYS[2], ARGV[1])`,

  /** ARGV: url, capacity, rate, now, seeding (1/0). → 'added' | 'exists' | 'known' */
  fxaGateNodeAdd: `${HELPERS}
local url = ARGV[1]
if ARGV[5] == '1' then
  if redis.call('SADD', KEYS[3], url) == 0 then return 'known' end
  if redis.call('HEXISTS', KEYS[1], url) == 1 then return 'known' end
elseif redis.call('HEXISTS', KEYS[1], url) == 1 then
  return 'exists'
end
local generation = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[1], url, encode(fresh(tonumber(ARGV[2]), tonumber(ARGV[3]), now_ms(ARGV[4]), generation)))
return 'added'`,

  /** ARGV: url. Its users move on their next request; configuration never adds it back. */
  fxaGateNodeRemove: `
redis.call('SADD', KEYS[3], ARGV[1])
if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then return 'changed' end
return 'missing'`,

  /** ARGV: url, field ('d' or 'c'), value. */
  fxaGateNodeSet: `${HELPERS}
local node = decode(redis.call('HGET', KEYS[1], ARGV[1]))
if not node then return 'missing' end
local value = tonumber(ARGV[3])
if ARGV[2] == 'd' then node.d = value
else
  node.c = value
  node.a = math.min(node.a, math.max(0, value - node.l))
end
redis.call('HSET', KEYS[1], ARGV[1], encode(node))
return 'changed'`,
} as const

export type NodeScriptName = keyof typeof NODE_SCRIPTS
