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

import { prelude } from "./prelude.js"

/**
 * Records a batch of outcomes of calls admitted in Closed/MetricsOnly under
 * generation ARGV[7], by replica ARGV[9]. ARGV[8] is the batch: comma-separated runs
 * `mask,count,hintMs,at` in completion order, where mask bit 0 = failed, bit
 * 1 = slow (by the breaker's slow-call duration), bit 1+i = bad for window i,
 * and `at` the time of the run's last call (for a run of several untimed
 * successes: the time it ended by, i.e. the next failure's or the flush's; 0:
 * unknown, the flush's time).
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
