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

from llmkit.errors import ConfigurationError
from llmkit.router.state import PickAnswer, PickCandidate, PickRequest

__all__ = ["PICK_SCRIPT", "pick_words", "read_answer"]

# The request goes as two arguments of fields ending in a newline (key names never hold one),
# since redis-py encodes each argument on its own and a pick has dozens: ARGV[1] is now, the
# count's key ('' for none), amount, slot and ttl, compare, reserve ('1'), the idle ttl, the probe
# window's slot and ttl, the limits' window slot and ttl, then the grant's calls key ('' for
# none), retries key, retries wanted, ratio, least, window slot and ttl; ARGV[2] per candidate its tripped
# marker, cooldown, probe window, in-flight count, latency average, rpm and tpm windows, and its
# rpm and tpm limits ('' for none). The keys are named by the caller (``redis_state._Commands``)
# but not declared in KEYS: a pick spans deployments, which a cluster would put on different
# nodes, so the state needs one Redis (or one shard) whatever the declaration.
# A fixed window is a hash {s: slot, n: count} (redis_state). The reply is one string of lines:
# the count (-1 for none), the chosen one (0 for none), half-open (0/1) and the retries granted
# (space-separated), the candidates tried
# (space-separated), then per candidate its outcome and its cooldown's end (the stored text).
PICK_SCRIPT = """
local function split(text)
  local out = {}
  for field in string.gmatch(text, '([^\\n]*)\\n') do out[#out + 1] = field end
  return out
end
local h, c = split(ARGV[1]), split(ARGV[2])
local now = tonumber(h[1])
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
if h[2] ~= '' then count = add(h[2], h[4], h[5], tonumber(h[3])) end
local compare, mslot, mttl = h[6], h[11], h[12]
local n = #c / 9
local outcome, untils, half, number, eligible = {}, {}, {}, {}, {}
for i = 1, n do
  local k = (i - 1) * 9
  local rpm, tpm = tonumber(c[k + 8]), tonumber(c[k + 9])
  outcome[i], untils[i] = '-', ''
  local skip = false
  local t = redis.call('GET', c[k + 1])
  if t and tonumber(t) > now then
    local e = redis.call('GET', c[k + 2])
    if e and tonumber(e) > now then
      outcome[i], untils[i], skip = 'cooling', e, true
    else
      half[i] = true
    end
  end
  local tused = 0
  if not skip and tpm then
    tused = used(c[k + 7], mslot)
    if tused >= tpm then outcome[i], skip = 'tpm', true end
  end
  if not skip then
    if compare == 'inflight' then
      number[i] = math.max(0, tonumber(redis.call('GET', c[k + 4])) or 0)
    elseif compare == 'latency' then
      number[i] = tonumber(redis.call('GET', c[k + 5])) or 0
    elseif compare == 'usage' then
      local share = 0
      if rpm and rpm ~= 0 then share = used(c[k + 6], mslot) / rpm end
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
local tried, chosen, granted = {}, 0, 0
for _, i in ipairs(eligible) do
  local k = (i - 1) * 9
  local rpm = tonumber(c[k + 8])
  tried[#tried + 1] = i
  if half[i] and not acquire(c[k + 3], h[9], h[10], 1) then
    outcome[i] = 'probing'
  elseif rpm and not acquire(c[k + 6], mslot, mttl, rpm) then
    outcome[i] = 'rpm'
  else
    outcome[i], chosen = 'picked', i
    if h[7] == '1' then
      local v = redis.call('INCRBY', c[k + 4], 1)
      if v < 1 then redis.call('SET', c[k + 4], 1) end
      redis.call('PEXPIRE', c[k + 4], h[8])
    end
    if h[13] ~= '' then
      local allowed = math.max(tonumber(h[17]), math.floor(tonumber(h[16]) * used(h[13], h[18])))
      local left = allowed - used(h[14], h[18])
      granted = math.min(tonumber(h[15]), left)
      if granted > 0 then add(h[14], h[18], h[19], granted) else granted = 0 end
    end
    break
  end
end
local open = (chosen > 0 and half[chosen]) and 1 or 0
local lines = {count, chosen, open .. ' ' .. granted, table.concat(tried, ' ')}
for i = 1, n do lines[#lines + 1] = outcome[i] .. ' ' .. untils[i] end
return table.concat(lines, '\\n')
"""


def _limit(value: int | None) -> str:
    return "" if value is None else str(int(value))


def _segment(commands: Any, c: PickCandidate) -> str:
    name = commands.name
    names = (
        name("cool", c.tripped),
        name("cool", c.health),
        name("win", c.probe),
        name("busy", c.busy),
        name("ewma", c.latency),
        name("win", c.rpm_key),
        name("win", c.tpm_key),
    )
    if any("\n" in n for n in names):
        raise ConfigurationError(f"a state key must not hold a newline: {names!r}")
    return "".join(f"{field}\n" for field in (*names, _limit(c.rpm), _limit(c.tpm)))


def pick_words(commands: Any, request: PickRequest, segments: dict[PickCandidate, str]) -> tuple[str, str]:
    """The script's two arguments for ``request``. ``commands`` is the backend's ``_Commands``
    (key names, windows' slots and ttls); ``segments`` caches each candidate's part (a router
    asks about the same few deployments on every call)."""
    count = request.count
    if count is None:
        head = ["", "", "", ""]
    else:
        key, amount, window_s, at = count
        head = [commands.name("win", key), str(int(amount)), *map(str, commands.window(window_s, at))]
    probe_slot, probe_ttl = commands.window(request.probe_window_s, request.now)
    minute_slot, minute_ttl = commands.window(request.limit_window_s, request.now)
    fields = [repr(float(request.now)), *head, request.compare, "1" if request.reserve else "0"]
    fields += [str(commands.idle_ms), probe_slot, str(probe_ttl), minute_slot, str(minute_ttl)]
    if request.grant is None:
        fields += [""] * 7
    else:
        calls_key, key, wanted, ratio, least, window_s = request.grant
        slot, ttl = commands.window(window_s, request.now)
        names = (commands.name("win", calls_key), commands.name("win", key))
        fields += [*names, str(int(wanted)), repr(float(ratio)), str(int(least)), slot, str(ttl)]
    parts = []
    for c in request.candidates:
        part = segments.get(c)
        if part is None:
            if len(segments) >= 4096:  # not a router's few deployments: keep it bounded
                segments.clear()
            part = segments[c] = _segment(commands, c)
        parts.append(part)
    return "".join(f"{field}\n" for field in fields), "".join(parts)


def read_answer(reply: Any) -> PickAnswer:
    """The script's reply as ``state.pick_deployment`` answers."""
    lines = (reply.decode() if isinstance(reply, bytes) else str(reply)).split("\n")
    count, chosen, tried = int(lines[0]), int(lines[1]), lines[3]
    half, _, granted = lines[2].partition(" ")
    outcome: list[str] = []
    until: list[float | None] = []
    for line in lines[4:]:
        what, _, ends = line.partition(" ")
        outcome.append("" if what == "-" else what)
        until.append(float(ends) if ends else None)
    return PickAnswer(
        chosen=chosen - 1 if chosen else None,
        outcome=tuple(outcome),
        until=tuple(until),
        tried=tuple(int(i) - 1 for i in tried.split()),
        half_open=half == "1",
        counted=None if count < 0 else count,
        granted=int(granted),
    )
