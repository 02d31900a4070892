/**
 * The Lua scripts that keep a fleet's shared circuit in Redis. Each runs
 * atomically (Redis runs one script at a time), so the shared window, the trip
 * decision, the half-open permits and the generation move together.
 *
 * Layout of one circuit (standalone Redis or Sentinel; the `{name}` hash tag
 * keeps a circuit's keys in one Cluster slot):
 * - hash `<prefix>{<name>}`: `tag gen entered until openings cf ps ticket calls fails slow`, the
 *   last transition's reason `lr` (JSON, so a replica that missed it still reports why),
 *   lifetime totals `tc tf` (calls and failures recorded since the key was
 *   made: what the count test reads), the configuration `cfg` (JSON, set by the
 *   first replica and by a reset), permits `p<slot>` (issued at) / `k<slot>`
 *   (ticket), time windows `wE<i> wC<i> wB<i> wc<i>_<b> wb<i>_<b>`, count
 *   window totals `wC<i> wB<i>`;
 * - list `<prefix>{<name>}:w<i>`: a count window's last calls, "1" for bad.
 *
 * Every script takes KEYS[1] = the hash and ARGV = cfg JSON, now (epoch millis
 * from the caller's Clock, or -1 for Redis TIME), the caller's generation floor
 * (so a restarted, empty Redis continues above every replica's generation),
 * the pub/sub channel, the breaker's name, the keys' idle TTL (ms), then its own
 * arguments. Each
 * returns one JSON object: `d` decision, `s` the state summary, `t` the
 * transition it made, `x` 1 when fenced (an outcome from another generation),
 * `m` 1 when the shared configuration differs from the caller's. A script that
 * changes the state or frees a permit publishes `{n, s, t}` on the channel.
 *
 * @internal
 */

const prelude = `
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
  set('cfg', cfgArg); set('tag', 'Closed'); set('gen', minGen); set('entered', now); set('until', 0)
  set('openings', 0); set('cf', 0); set('ps', 0); set('ticket', 0); set('calls', 0); set('fails', 0); set('slow', 0)
  set('tc', 0); set('tf', 0)
  resetWindows(); freePermits()
elseif H.cfg ~= cfgArg then
  mismatch = 1
end
if get('gen', 0) < minGen then set('gen', minGen) end

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

/**
 * Records a batch of outcomes of calls admitted in Closed/MetricsOnly under
 * generation ARGV[7], by replica ARGV[9]. ARGV[8] is the batch: comma-separated runs
 * `mask,count,hintMs,at` in completion order, where mask bit 0 = failed, bit
 * 1 = slow (by the breaker's slow-call duration), bit 1+i = bad for window i,
 * and `at` the time of the run's last call (0: unknown).
 * The trip decision is taken after every call, as the in-memory core does; a
 * trip fences the rest of the batch (it belongs to the old generation).
 *
 * Replicas flush at different moments, so a batch can arrive after failures
 * that happened later: `lf` keeps the time of the latest failure recorded, and
 * a run of successes that ended before it does not break the streak (it
 * happened before those failures; at the same millisecond, only if it came
 * from the replica that recorded that failure, whose outcomes are in order).
 * Time windows bucket each run at its time.
 */
export const flush = prelude + `
local gen = tonumber(ARGV[7])
local tag = H.tag
if gen ~= get('gen', 0) or (tag ~= 'Closed' and tag ~= 'MetricsOnly') then return finish({ x = 1 }) end
local batch = {}
for v in string.gmatch(ARGV[8], '[^,]+') do batch[#batch + 1] = tonumber(v) end
local recorded = 0
local lfHere = false
local replica = ARGV[9]
local i = 1
while i <= #batch and transition == nil do
  local mask = batch[i]
  local count = batch[i + 1]
  local hint = batch[i + 2]
  local at = batch[i + 3]
  if at <= 0 then at = now end
  local failed = bit.band(mask, 1) ~= 0
  local slow = bit.band(mask, 2) ~= 0
  -- a success breaks the streak if it ended after the latest failure, or at the same millisecond as a failure
  -- of this batch that it followed (one replica's outcomes are in order)
  local lf = get('lf', 0)
  local breaks = not failed and (at > lf or (at == lf and (lfHere or H.lfBy == replica)))
  if failed and at >= lf then set('lf', at); set('lfBy', replica); lfHere = true end
  if #W == 0 then
    -- no window: a run is counted at once, up to the call that reaches the consecutive threshold
    local n = count
    if failed and cfg.ct > 0 and tag ~= 'MetricsOnly' then n = math.min(count, math.max(1, cfg.ct - get('cf', 0))) end
    recorded = recorded + n
    set('calls', get('calls', 0) + n); set('tc', get('tc', 0) + n)
    if failed then set('fails', get('fails', 0) + n); set('tf', get('tf', 0) + n); set('cf', get('cf', 0) + n) elseif breaks then set('cf', 0) end
    if slow then set('slow', get('slow', 0) + n) end
    if tag ~= 'MetricsOnly' then
      local reason = tripReason()
      if reason ~= nil then
        if failed then open(hint, reason) else open(0, reason) end
      end
    end
    count = 0
  end
  for _ = 1, count do
    recorded = recorded + 1
    set('calls', get('calls', 0) + 1); set('tc', get('tc', 0) + 1)
    if failed then set('fails', get('fails', 0) + 1); set('tf', get('tf', 0) + 1); set('cf', get('cf', 0) + 1) elseif breaks then set('cf', 0) end
    if slow then set('slow', get('slow', 0) + 1) end
    for wi = 1, #W do recordWindow(wi, W[wi], bit.band(mask, bit.lshift(1, wi + 1)) ~= 0, at) end
    if tag ~= 'MetricsOnly' then
      local reason = tripReason()
      if reason ~= nil then
        if failed then open(hint, reason) else open(0, reason) end
        break
      end
    end
  end
  i = i + 4
end
return finish({ r = recorded })
`

/**
 * Admits a call the local mirror cannot decide alone: the open time has passed
 * (Open → HalfOpen, fleet-wide once) or the circuit is half-open (take a
 * permit lease). `d`: 0 pass, 1 probe (`sl` slot, `tk` ticket), 2 reject (`ra`
 * millis, -1 for forced open), 3 bypass (disabled).
 */
export const admit = prelude + `
local tag = H.tag
if tag == 'Closed' or tag == 'MetricsOnly' then return finish({ d = 0 }) end
if tag == 'Disabled' then return finish({ d = 3 }) end
if tag == 'ForcedOpen' then return finish({ d = 2, ra = -1 }) end
if tag == 'Open' then
  if now < get('until', 0) then return finish({ d = 2, ra = get('until', 0) - now }) end
  enter('HalfOpen', { _tag = 'OpenDurationElapsed' })
end
local p = takePermit()
return finish({ d = p[1], sl = p[2], tk = p[3], ra = p[4] })
`

/**
 * Records a half-open probe's outcome: ARGV[7] generation, ARGV[8] slot,
 * ARGV[9] ticket, ARGV[10] outcome (0 success, 1 failure, 2 ignored),
 * ARGV[11] slow (0/1), ARGV[12] retry-after hint (ms). A probe whose lease
 * lapsed, or from another generation, changes nothing.
 */
export const probe = prelude + `
local gen = tonumber(ARGV[7])
local slot = tonumber(ARGV[8])
local ticket = tonumber(ARGV[9])
local code = tonumber(ARGV[10])
local slow = ARGV[11] == '1'
local hint = tonumber(ARGV[12])
if gen ~= get('gen', 0) or H.tag ~= 'HalfOpen' or get('k' .. slot, -1) ~= ticket then return finish({ x = 1 }) end
local at = tonumber(H['p' .. slot])
if at == nil or now - at >= cfg.pt then return finish({ x = 1 }) end
set('p' .. slot, false)
changed = true
if code == 2 then return finish({}) end
set('calls', get('calls', 0) + 1); set('tc', get('tc', 0) + 1)
if slow then set('slow', get('slow', 0) + 1) end
if code == 1 or slow then
  if code == 1 then set('fails', get('fails', 0) + 1); set('tf', get('tf', 0) + 1) end
  local h = 0
  if code == 1 then h = hint end
  open(h, { _tag = 'ProbeFailed', slow = code ~= 1 })
  return finish({})
end
set('ps', get('ps', 0) + 1)
if get('ps', 0) >= cfg.stc then enter('Closed', { _tag = 'ProbesSucceeded', successes = get('ps', 0) }) end
return finish({})
`

/**
 * Manual control, fleet-wide: ARGV[7] is forceOpen | reset | disable |
 * metricsOnly. A reset also installs the caller's configuration (how a
 * changed configuration reaches a running fleet).
 */
export const manual = prelude + `
local action = ARGV[7]
if action == 'reset' then
  if H.cfg ~= cfgArg then
    dropWindows()
    set('cfg', cfgArg)
    cfg = cjson.decode(cfgArg)
    W = cfg.r
    mismatch = 0
  end
  set('openings', 0)
  enter('Closed', { _tag = 'Manual', action = 'reset' })
elseif action == 'forceOpen' then
  if H.tag ~= 'ForcedOpen' then enter('ForcedOpen', { _tag = 'Manual', action = 'forceOpen' }) end
elseif action == 'disable' then
  if H.tag ~= 'Disabled' then enter('Disabled', { _tag = 'Manual', action = 'disable' }) end
elseif action == 'metricsOnly' then
  if H.tag ~= 'MetricsOnly' then enter('MetricsOnly', { _tag = 'Manual', action = 'metricsOnly' }) end
end
return finish({})
`

/**
 * Reads the shared state (creating it if absent), and reconciles a replica that
 * ran as a local breaker while Redis was unreachable: ARGV[7..10] are its local
 * tag, open-until, openings and the reason of its last transition (JSON).
 * - A local opening still running when the shared circuit is Closed opens the
 *   shared circuit until the same time: failures seen during the outage are the
 *   newest evidence there is.
 * - A restarted (empty) Redis also takes a local manual state (forced open,
 *   disabled, metrics-only). Otherwise the shared state wins.
 */
export const read = prelude + `
local localTag = ARGV[7]
if localTag ~= nil and localTag ~= '' then
  local localUntil = tonumber(ARGV[8])
  local localReason = cjson.decode(ARGV[10])
  if localTag == 'Open' and localUntil > now and H.tag == 'Closed' then
    set('until', localUntil)
    set('openings', math.max(get('openings', 0), tonumber(ARGV[9])))
    set('cf', 0); resetWindows()
    enter('Open', localReason)
  elseif created and (localTag == 'ForcedOpen' or localTag == 'Disabled' or localTag == 'MetricsOnly') then
    enter(localTag, localReason)
  end
end
return finish({})
`

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

/**
 * The shared windows as data, for `export`: a count window's last calls
 * (oldest first, "1" = bad), a time window's newest epoch and buckets.
 */
export const exportWindows = prelude + `
local wd = {}
for i = 1, #W do
  local w = W[i]
  if w.w == 0 then
    wd[i] = { l = redis.call('LRANGE', key .. ':w' .. i, 0, -1) }
  else
    advance(i, w, now)
    local c = {}
    local b = {}
    for k = 0, w.n - 1 do c[k + 1] = get('wc' .. i .. '_' .. k, 0); b[k + 1] = get('wb' .. i .. '_' .. k, 0) end
    wd[i] = { e = get('wE' .. i, -1), c = c, b = b }
  end
end
return finish({ wd = wd })
`

/**
 * Seeds a new shared circuit from a restored breaker's state (ARGV[7], JSON:
 * tag, gen, entered, until, openings, cf, ps, ticket, calls, fails, slow, and
 * per window `l` (a count window's calls, oldest first, as "0"/"1") or `e`,
 * `c`, `b` (a time window's epoch and buckets)). An existing shared circuit
 * wins: nothing is written.
 */
export const seed = prelude + `
if created then
  local d = cjson.decode(ARGV[7])
  set('tag', d.tag); set('gen', d.gen); set('entered', d.entered); set('until', d['until'])
  set('openings', d.openings); set('cf', d.cf); set('ps', d.ps); set('ticket', d.ticket)
  set('calls', d.calls); set('fails', d.fails); set('slow', d.slow)
  for i = 1, #W do
    local w = W[i]
    local x = d.w[i]
    if x ~= nil then
      if w.w == 0 then
        local c = 0
        local b = 0
        for k = 1, string.len(x.l) do
          local bit = string.sub(x.l, k, k)
          redis.call('RPUSH', key .. ':w' .. i, bit)
          c = c + 1
          if bit == '1' then b = b + 1 end
        end
        set('wC' .. i, c); set('wB' .. i, b)
      else
        set('wE' .. i, x.e)
        local c = 0
        local b = 0
        for k = 0, w.n - 1 do
          set('wc' .. i .. '_' .. k, x.c[k + 1] or 0); set('wb' .. i .. '_' .. k, x.b[k + 1] or 0)
          c = c + (x.c[k + 1] or 0); b = b + (x.b[k + 1] or 0)
        end
        set('wC' .. i, c); set('wB' .. i, b)
      end
    end
  end
  changed = true
end
return finish({})
`
