/**
 * The Lua prelude every circuit script starts with: it loads the circuit's
 * hash, creates it if absent, and defines the state machine's steps (enter,
 * open, windows, trip decision, permits) and `finish`, which writes back what
 * changed, refreshes the keys' TTL, publishes a change and returns the reply.
 * See `scripts.ts` for the layout of a circuit in Redis and the arguments.
 *
 * @internal
 */

/** @internal */
export const prelude = `
local key = KEYS[1]
local cfgArg = ARGV[1]
local now = tonumber(ARGV[2])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local minGen = tonumber(ARGV[3])
local channel = ARGV[4]
local name = ARGV[5]
local ttl = tonumber(ARGV[6])

local H = {}
do
  local a = redis.call('HGETALL', key)
  for i = 1, #a, 2 do H[a[i]] = a[i + 1] end
end
local D = {}
local function set(f, v) H[f] = v; D[f] = true end
local function get(f, d) local n = tonumber(H[f]); if n == nil then return d end; return n end
local created = H.tag == nil
local mismatch = 0
if created then H.cfg = cfgArg end
local cfg = cjson.decode(H.cfg)
local W = cfg.r

local function resetWindows()
  for i = 1, #W do
    local w = W[i]
    set('wC' .. i, 0); set('wB' .. i, 0)
    if w.w == 0 then
      redis.call('DEL', key .. ':w' .. i)
    else
      set('wE' .. i, -1)
      for b = 0, w.n - 1 do set('wc' .. i .. '_' .. b, 0); set('wb' .. i .. '_' .. b, 0) end
    end
  end
end
local function freePermits()
  for slot = 0, cfg.p - 1 do set('p' .. slot, false) end
end
local function dropWindows()
  for f, _ in pairs(H) do
    if string.match(f, '^w') or string.match(f, '^p%d+$') or string.match(f, '^k%d+$') then set(f, false) end
  end
  for i = 1, 16 do redis.call('DEL', key .. ':w' .. i) end
end

if created then
  set('cfg', cfgArg); set('tag', 'Closed'); set('gen', minGen + 1); set('entered', now); set('until', 0)
  set('openings', 0); set('cf', 0); set('ps', 0); set('ticket', 0); set('calls', 0); set('fails', 0); set('slow', 0)
  set('tc', 0); set('tf', 0)
  resetWindows(); freePermits()
elseif H.cfg ~= cfgArg then
  mismatch = 1
end
if get('gen', 0) < minGen then set('gen', minGen + 1) end

local transition = nil
local changed = created

local function enter(to, reason)
  local from = H.tag
  set('tag', to); set('gen', get('gen', 0) + 1); set('entered', now)
  set('calls', 0); set('fails', 0); set('slow', 0)
  if to == 'HalfOpen' or from == 'HalfOpen' then freePermits(); set('ps', 0) end
  if to == 'Closed' or to == 'Disabled' or to == 'MetricsOnly' or to == 'ForcedOpen' then set('cf', 0); resetWindows() end
  if to == 'Closed' then set('openings', 0) end
  local u = -1
  if to == 'Open' then u = get('until', 0) end
  transition = { from = from, to = to, at = now, reason = reason, openUntil = u }
  set('lr', cjson.encode(reason))
  changed = true
end

local function open(hint, reason)
  local n = get('openings', 0) + 1
  set('openings', n)
  local od = cfg.od
  local scheduled = od[math.min(n, #od)]
  local hinted = math.min(hint, cfg.mo)
  set('until', now + math.max(scheduled, hinted))
  set('cf', 0); resetWindows()
  enter('Open', reason)
end

local function windowCounts()
  local out = {}
  for i = 1, #W do out[i] = { get('wC' .. i, 0), get('wB' .. i, 0) } end
  return out
end

local function advance(i, w, t)
  if w.w == 0 then return end
  local width = math.max(1, math.ceil(w.d / w.n))
  local e = math.floor(t / width)
  local ep = get('wE' .. i, -1)
  if ep < 0 then set('wE' .. i, e); return end
  if e <= ep then return end
  local steps = math.min(w.n, e - ep)
  for k = 1, steps do
    local b = (ep + k) % w.n
    set('wC' .. i, get('wC' .. i, 0) - get('wc' .. i .. '_' .. b, 0))
    set('wB' .. i, get('wB' .. i, 0) - get('wb' .. i .. '_' .. b, 0))
    set('wc' .. i .. '_' .. b, 0); set('wb' .. i .. '_' .. b, 0)
  end
  set('wE' .. i, e)
end

local function recordWindow(i, w, bad, at)
  if w.w == 0 then
    local l = key .. ':w' .. i
    local len = redis.call('RPUSH', l, bad and '1' or '0')
    if bad then set('wB' .. i, get('wB' .. i, 0) + 1) end
    if len > w.n then
      if redis.call('LPOP', l) == '1' then set('wB' .. i, get('wB' .. i, 0) - 1) end
    else
      set('wC' .. i, get('wC' .. i, 0) + 1)
    end
  else
    advance(i, w, at)
    local b = get('wE' .. i, 0) % w.n
    set('wc' .. i .. '_' .. b, get('wc' .. i .. '_' .. b, 0) + 1); set('wC' .. i, get('wC' .. i, 0) + 1)
    if bad then set('wb' .. i .. '_' .. b, get('wb' .. i .. '_' .. b, 0) + 1); set('wB' .. i, get('wB' .. i, 0) + 1) end
  end
end

local function tripReason()
  local cf = get('cf', 0)
  if cfg.ct > 0 and cf >= cfg.ct then return { _tag = 'ConsecutiveFailures', failures = cf, threshold = cfg.ct } end
  for i = 1, #W do
    local w = W[i]
    local c = get('wC' .. i, 0)
    local b = get('wB' .. i, 0)
    if c >= w.min and b >= w.th * c then
      local kind = 'FailureRate'
      if w.k == 1 then kind = 'SlowCallRate' end
      return { _tag = kind, rate = b / c, threshold = w.th, calls = c }
    end
  end
  return nil
end

local function takePermit()
  local soonest = -1
  for slot = 0, cfg.p - 1 do
    local at = tonumber(H['p' .. slot])
    if at == nil or now - at >= cfg.pt then
      local tk = get('ticket', 0) + 1
      set('ticket', tk); set('p' .. slot, now); set('k' .. slot, tk)
      changed = true
      return { 1, slot, tk, 0 }
    end
    local wait = at + cfg.pt - now
    if soonest < 0 or wait < soonest then soonest = wait end
  end
  return { 2, -1, -1, soonest }
end

local function summary()
  local inFlight = 0
  if H.tag == 'HalfOpen' then
    for slot = 0, cfg.p - 1 do
      local at = tonumber(H['p' .. slot])
      if at ~= nil and now - at < cfg.pt then inFlight = inFlight + 1 end
    end
  end
  return {
    tag = H.tag, gen = get('gen', 0), entered = get('entered', 0), ['until'] = get('until', 0),
    openings = get('openings', 0), cf = get('cf', 0), ps = get('ps', 0), calls = get('calls', 0),
    fails = get('fails', 0), slow = get('slow', 0), tc = get('tc', 0), tf = get('tf', 0),
    w = windowCounts(), pi = inFlight, now = now, lr = H.lr
  }
end

local function finish(result)
  -- time windows are brought to now, as a snapshot of the in-memory core does
  for i = 1, #W do if W[i].w == 1 then advance(i, W[i], now) end end
  local hset = {}
  local hdel = {}
  for f, _ in pairs(D) do
    if H[f] == false or H[f] == nil then hdel[#hdel + 1] = f else hset[#hset + 1] = f; hset[#hset + 1] = H[f] end
  end
  if #hset > 0 then redis.call('HSET', key, unpack(hset)) end
  if #hdel > 0 then redis.call('HDEL', key, unpack(hdel)) end
  if ttl > 0 then
    redis.call('PEXPIRE', key, ttl)
    for i = 1, #W do if W[i].w == 0 then redis.call('PEXPIRE', key .. ':w' .. i, ttl) end end
  end
  result.s = summary()
  result.t = transition
  result.m = mismatch
  if changed then redis.call('PUBLISH', channel, cjson.encode({ n = name, s = result.s, t = transition })) end
  return cjson.encode(result)
end
`
