/**
 * The Lua scripts of the shared rate-limit gate: one hash per gate (field =
 * key, value = epoch millis until which the key is closed), changes published
 * so every replica's gate holds its calls.
 *
 * @internal
 */

/**
 * The shared rate-limit gate: KEYS[1] is the gate's hash (field = key, value =
 * epoch millis until which the key is closed). ARGV: key, until, now, channel,
 * gate name, ttl. Keeps the later reset, drops expired fields, publishes the
 * closure so every replica holds its calls.
 */
export const gateClose = `
local f = ARGV[1]
local untilMs = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local current = tonumber(redis.call('HGET', KEYS[1], f))
if current ~= nil and current >= untilMs then return tostring(current) end
redis.call('HSET', KEYS[1], f, untilMs)
local ttl = tonumber(ARGV[6])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
redis.call('PUBLISH', ARGV[4], cjson.encode({ g = ARGV[5], k = f, u = untilMs }))
return tostring(untilMs)
`

/** Opens a gate key fleet-wide: ARGV key, channel, gate name. */
export const gateOpen = `
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[2], cjson.encode({ g = ARGV[3], k = ARGV[1], u = 0 }))
return 1
`

/** Every closed key of a gate still closed at ARGV[1] (drops the expired ones). */
export const gateRead = `
local now = tonumber(ARGV[1])
local a = redis.call('HGETALL', KEYS[1])
local out = {}
for i = 1, #a, 2 do
  local u = tonumber(a[i + 1])
  if u == nil or u <= now then redis.call('HDEL', KEYS[1], a[i]) else out[#out + 1] = a[i]; out[#out + 1] = a[i + 1] end
end
return out
`
