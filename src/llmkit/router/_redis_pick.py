"""A whole pick as one Lua script: ``RedisState.pick_deployment`` (``state.PickRequest``).

Redis runs a script atomically, so the pick reads every candidate's breaker, tpm window and
compared number, and takes the rpm slot (and half-open probe) of the one it chooses, with no
other client in between: one round trip where the separate operations cost two or three, and
two processes racing for a window's last request still cannot both get it. The script does what
``state.pick_deployment`` does with the ordinary operations, on the same keys and encodings
(``redis_state._Commands``), so both paths and older routers share one state.
"""

from __future__ import annotations

from typing import Any

from llmkit.router.state import PickAnswer, PickRequest

__all__ = ["PICK_SCRIPT", "pick_words", "read_answer"]

# KEYS: the budget count's window, then per candidate (7 each) its tripped marker, cooldown, probe
# window, in-flight count, latency average, rpm window and tpm window.
# ARGV: now, the count's amount ('' for none), slot and ttl; compare; reserve ('1'); the idle ttl;
# the probe window's slot and ttl; the limits' window slot and ttl; then per candidate its rpm and
# tpm limits ('' for none). A fixed window is a hash {s: slot, n: count} (redis_state).
# Returns {count (-1 for none), chosen (0 for none), half-open (0/1), outcomes, untils, tried}.
PICK_SCRIPT = """
local now = tonumber(ARGV[1])
local function used(key, slot)
  local v = redis.call('HMGET', key, 's', 'n')
  if v[1] == slot and v[2] then return tonumber(v[2]) end
  return 0
end
local function add(key, slot, ttl, amount)
  if redis.call('HGET', key, 's') ~= slot then redis.call('HSET', key, 's', slot, 'n', 0) end
  local n = redis.call('HINCRBY', key, 'n', amount)
  redis.call('PEXPIRE', key, ttl)
  return n
end
local function acquire(key, slot, ttl, limit)
  if used(key, slot) + 1 > limit then return false end
  add(key, slot, ttl, 1)
  return true
end
local count = -1
if ARGV[2] ~= '' then count = add(KEYS[1], ARGV[3], ARGV[4], tonumber(ARGV[2])) end
local compare, mslot, mttl = ARGV[5], ARGV[10], ARGV[11]
local n = (#KEYS - 1) / 7
local outcome, untils, half, number, eligible = {}, {}, {}, {}, {}
for i = 1, n do
  local k = 1 + (i - 1) * 7
  local rpm, tpm = tonumber(ARGV[10 + 2 * i]), tonumber(ARGV[11 + 2 * i])
  outcome[i], untils[i] = '', ''
  local skip = false
  local t = redis.call('GET', KEYS[k + 1])
  if t and tonumber(t) > now then
    local h = redis.call('GET', KEYS[k + 2])
    if h and tonumber(h) > now then
      outcome[i], untils[i], skip = 'cooling', h, true
    else
      half[i] = true
    end
  end
  local tused = 0
  if not skip and tpm then
    tused = used(KEYS[k + 7], mslot)
    if tused >= tpm then outcome[i], skip = 'tpm', true end
  end
  if not skip then
    if compare == 'inflight' then
      number[i] = math.max(0, tonumber(redis.call('GET', KEYS[k + 4])) or 0)
    elseif compare == 'latency' then
      number[i] = tonumber(redis.call('GET', KEYS[k + 5])) or 0
    elseif compare == 'usage' then
      local share = 0
      if rpm and rpm ~= 0 then share = used(KEYS[k + 6], mslot) / rpm end
      if tpm and tpm ~= 0 then share = math.max(share, tused / tpm) end
      number[i] = share
    end
    eligible[#eligible + 1] = i
  end
end
if compare ~= '' then
  table.sort(eligible, function(a, b)
    return number[a] < number[b] or (number[a] == number[b] and a < b)
  end)
end
local tried = {}
for _, i in ipairs(eligible) do
  local k = 1 + (i - 1) * 7
  local rpm = tonumber(ARGV[10 + 2 * i])
  tried[#tried + 1] = i
  if half[i] and not acquire(KEYS[k + 3], ARGV[8], ARGV[9], 1) then
    outcome[i] = 'probing'
  elseif rpm and not acquire(KEYS[k + 6], mslot, mttl, rpm) then
    outcome[i] = 'rpm'
  else
    outcome[i] = 'picked'
    if ARGV[6] == '1' then
      local v = redis.call('INCRBY', KEYS[k + 4], 1)
      if v < 1 then redis.call('SET', KEYS[k + 4], 1) end
      redis.call('PEXPIRE', KEYS[k + 4], ARGV[7])
    end
    return {count, i, half[i] and 1 or 0, outcome, untils, tried}
  end
end
return {count, 0, 0, outcome, untils, tried}
"""


def _limit(value: int | None) -> str:
    return "" if value is None else str(int(value))


def pick_words(commands: Any, request: PickRequest) -> tuple[list[str], list[Any]]:
    """The script's keys and arguments for ``request``; ``commands`` is the backend's
    ``_Commands`` (key names, windows' slots and ttls)."""
    name = commands.name
    count = request.count
    if count is None:
        keys, argv = [name("win", "budget:none")], ["", "", ""]
    else:
        key, amount, window_s, at = count
        slot, ttl = commands.window(window_s, at)
        keys, argv = [name("win", key)], [str(int(amount)), slot, ttl]
    probe_slot, probe_ttl = commands.window(request.probe_window_s, request.now)
    minute_slot, minute_ttl = commands.window(request.limit_window_s, request.now)
    argv = [repr(float(request.now)), *argv, request.compare, "1" if request.reserve else "0"]
    argv += [commands.idle_ms, probe_slot, probe_ttl, minute_slot, minute_ttl]
    for c in request.candidates:
        keys += [
            name("cool", c.tripped),
            name("cool", c.health),
            name("win", c.probe),
            name("busy", c.busy),
            name("ewma", c.latency),
            name("win", c.rpm_key),
            name("win", c.tpm_key),
        ]
        argv += [_limit(c.rpm), _limit(c.tpm)]
    return keys, argv


def read_answer(request: PickRequest, reply: Any) -> PickAnswer:
    """The script's reply as ``state.pick_deployment`` answers."""
    count, chosen, half, outcomes, untils, tried = reply
    return PickAnswer(
        chosen=int(chosen) - 1 if chosen else None,
        outcome=tuple(o.decode() if isinstance(o, bytes) else str(o) for o in outcomes),
        until=tuple(float(u) if u else None for u in untils),
        tried=tuple(int(i) - 1 for i in tried),
        half_open=bool(half),
        counted=None if int(count) < 0 else int(count),
    )
