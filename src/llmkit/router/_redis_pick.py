"""A whole pick as one Lua script: ``RedisState.pick_deployment`` (``state.PickRequest``).

Redis runs a script atomically, so the pick reads every candidate's breaker, tpm window and
compared number, and takes the rpm slot (and half-open probe) of the one it chooses, with no
other client in between: one round trip where the separate operations cost two or three, and
two processes racing for a window's last request still cannot both get it. The script does what
``state.pick_deployment`` does with the ordinary operations, on the same keys and encodings
(``_redis_commands.Commands``), so both paths and older routers share one state.

What it costs is mostly strings. On the server, every string a script makes costs (a pick's
fields split out of one argument cost 20 µs of a 30 µs script), so each field is its own
argument and the reply names only what is not the usual. On the client, a router asks about
the same few deployments in the same way on every call, so each candidate's arguments and the
request's fixed ones are packed once (RESP bytes, ``_redis_wire.pack``) and only the clock's
four fields are new per call.
"""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

from llmkit.router._redis_wire import pack
from llmkit.router.state import PickAnswer, PickCandidate, PickRequest, window_slot

__all__ = ["PICK_SCRIPT", "PICK_SHA", "Packed", "pick_words", "read_answer"]

# ARGV: [1] now, the slots of [2] the count's window, [3] the probe's, [4] the limits', [5] the
# grant's; then what a router sends the same on every call: [6] the count's key ('' for none),
# [7] amount, [8] ttl, [9] compare, [10] reserve ('1'), [11] the idle ttl, [12] the probe
# window's ttl, [13] the limits' window ttl, [14] the grant's calls key ('' for none), [15]
# retries key, [16] retries wanted, [17] ratio, [18] least, [19] ttl; from [20], 9 per
# candidate: its tripped marker, cooldown, probe window, in-flight count, latency average, rpm
# and tpm windows, and its rpm and tpm limits ('' for none). The keys are named by the caller
# (``_redis_commands.Commands``) but not declared in KEYS: a pick spans deployments, which a
# cluster would put on different nodes, so the state needs one Redis (or one shard) whatever
# the declaration. A fixed window is a hash {s: slot, n: count} (redis_state).
# The reply is one string of lines: the count (-1 for none), the chosen one (0 for none),
# half-open (0/1) and the retries granted, the candidates tried (space-separated), then a line
# per candidate that was skipped ("i outcome" and, for a cooldown, its end as stored).
PICK_SCRIPT = """
local now, mslot, mttl, compare = tonumber(ARGV[1]), ARGV[4], ARGV[13], ARGV[9]
local function used(key, slot)
  local v = redis.call('HMGET', key, 's', 'n')
  if v[1] == slot and v[2] then return tonumber(v[2]) end
  return 0
end
local function add(key, slot, ttl, amount)
  if redis.call('HGET', key, 's') == slot then return redis.call('HINCRBY', key, 'n', amount) end
  redis.call('HSET', key, 's', slot, 'n', amount)
  redis.call('PEXPIRE', key, ttl)
  return amount
end
local function acquire(key, slot, ttl, limit)
  if used(key, slot) + 1 > limit then return false end
  add(key, slot, ttl, 1)
  return true
end
local count = -1
if ARGV[6] ~= '' then count = add(ARGV[6], ARGV[2], ARGV[8], tonumber(ARGV[7])) end
local n = (#ARGV - 19) / 9
local outcome, half, number, eligible = {}, {}, {}, {}
for i = 1, n do
  local k = 10 + i * 9
  local skip = false
  local t = redis.call('GET', ARGV[k + 1])
  if t and tonumber(t) > now then
    local e = redis.call('GET', ARGV[k + 2])
    if e and tonumber(e) > now then
      outcome[i], skip = 'cooling ' .. e, true
    else
      half[i] = true
    end
  end
  local tpm, tused = tonumber(ARGV[k + 9]), 0
  if not skip and tpm then
    tused = used(ARGV[k + 7], mslot)
    if tused >= tpm then outcome[i], skip = 'tpm', true end
  end
  if not skip then
    if compare == 'inflight' then
      number[i] = math.max(0, tonumber(redis.call('GET', ARGV[k + 4])) or 0)
    elseif compare == 'latency' then
      number[i] = tonumber(redis.call('GET', ARGV[k + 5])) or 0
    elseif compare == 'usage' then
      local rpm, share = tonumber(ARGV[k + 8]), 0
      if rpm and rpm ~= 0 then share = used(ARGV[k + 6], mslot) / rpm end
      if tpm and tpm ~= 0 then share = math.max(share, tused / tpm) end
      number[i] = share
    end
    eligible[#eligible + 1] = i
  end
end
if compare ~= '' and #eligible > 1 then
  table.sort(eligible, function(a, b)
    return number[a] < number[b] or (number[a] == number[b] and a < b)
  end)
end
local tried, chosen, granted = {}, 0, 0
for _, i in ipairs(eligible) do
  local k = 10 + i * 9
  local rpm = tonumber(ARGV[k + 8])
  tried[#tried + 1] = i
  if half[i] and not acquire(ARGV[k + 3], ARGV[3], ARGV[12], 1) then
    outcome[i] = 'probing'
  elseif rpm and not acquire(ARGV[k + 6], mslot, mttl, rpm) then
    outcome[i] = 'rpm'
  else
    chosen = i
    if ARGV[10] == '1' then
      local v = redis.call('INCRBY', ARGV[k + 4], 1)
      if v < 1 then redis.call('SET', ARGV[k + 4], 1) end
      redis.call('PEXPIRE', ARGV[k + 4], ARGV[11])
    end
    if ARGV[14] ~= '' then
      local allowed = math.max(tonumber(ARGV[18]), math.floor(tonumber(ARGV[17]) * used(ARGV[14], ARGV[5])))
      local left = allowed - used(ARGV[15], ARGV[5])
      granted = math.min(tonumber(ARGV[16]), left)
      if granted > 0 then add(ARGV[15], ARGV[5], ARGV[19], granted) else granted = 0 end
    end
    break
  end
end
local open = (chosen > 0 and half[chosen]) and 1 or 0
local text = count .. '\\n' .. chosen .. '\\n' .. open .. ' ' .. granted .. '\\n' .. table.concat(tried, ' ')
if next(outcome) == nil then return text end
local lines = {text}
for i = 1, n do
  if outcome[i] then lines[#lines + 1] = i .. ' ' .. outcome[i] end
end
return table.concat(lines, '\\n')
"""

# As redis-py's ``Script`` names it (EVALSHA, sent again after a NOSCRIPT).
PICK_SHA = hashlib.sha1(PICK_SCRIPT.encode()).hexdigest().encode()
_HEAD = 19  # the arguments before the candidates'


def _limit(value: int | None) -> str:
    return "" if value is None else str(int(value))


class _Part(NamedTuple):
    """Arguments sent the same on every call: as words and as RESP bytes."""

    words: tuple[str, ...]
    data: bytes


def _part(words: list[str]) -> _Part:
    return _Part(tuple(words), pack(words)[len(b"*%d\r\n" % len(words)) :])


def _segment(commands: Any, c: PickCandidate) -> _Part:
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
    return _part([*names, _limit(c.rpm), _limit(c.tpm)])


def _fixed(commands: Any, request: PickRequest) -> _Part:
    """The request's arguments that do not change with the clock."""
    count, grant = request.count, request.grant
    words = ["", "", ""] if count is None else [commands.name("win", count[0]), str(int(count[1]))]
    if count is not None:
        words.append(str(commands.window(count[2], 0.0)[1]))
    words += [request.compare, "1" if request.reserve else "0", str(commands.idle_ms)]
    words += [str(commands.window(request.probe_window_s, 0.0)[1])]
    words += [str(commands.window(request.limit_window_s, 0.0)[1])]
    if grant is None:
        words += [""] * 6
    else:
        calls_key, key, wanted, ratio, least, window_s = grant
        words += [commands.name("win", calls_key), commands.name("win", key), str(int(wanted))]
        words += [repr(float(ratio)), str(int(least)), str(commands.window(window_s, 0.0)[1])]
    return _part(words)


class Packed(NamedTuple):
    """A pick's arguments: the clock's (``now``) and the cached parts."""

    now: tuple[str, ...]
    parts: tuple[_Part, ...]
    size: int  # how many arguments in all

    def words(self) -> list[str]:
        return [*self.now, *(w for part in self.parts for w in part.words)]

    def command(self, sha: bytes) -> bytes:
        """EVALSHA of the script (``sha``, hex) with no keys and these arguments, as RESP."""
        head = b"*%d\r\n$7\r\nEVALSHA\r\n$40\r\n%s\r\n$1\r\n0\r\n" % (3 + self.size, sha)
        clock = [b"$%d\r\n%s\r\n" % (len(w), w) for w in map(str.encode, self.now)]
        return b"".join((head, *clock, *(part.data for part in self.parts)))


def pick_words(commands: Any, request: PickRequest, cache: dict[Any, _Part]) -> Packed:
    """The script's arguments for ``request``. ``commands`` is the backend's ``Commands`` (key
    names, windows' slots and ttls); ``cache`` keeps the parts that a router sends the same on
    every call (its few deployments' arguments, its requests' fixed ones), bounded."""
    if len(cache) >= 4096:  # not a router's few deployments: keep it bounded
        cache.clear()
    now, count, grant = request.now, request.count, request.grant
    shape = (
        None if count is None else count[:3],
        request.compare,
        request.reserve,
        request.probe_window_s,
        request.limit_window_s,
        grant,
    )
    fixed = cache.get(shape)
    if fixed is None:
        fixed = cache[shape] = _fixed(commands, request)
    parts = [fixed]
    for c in request.candidates:
        part = cache.get(c)
        if part is None:
            part = cache[c] = _segment(commands, c)
        parts.append(part)
    clock = (
        repr(float(now)),
        "" if count is None else str(window_slot(count[2], count[3])),
        str(window_slot(request.probe_window_s, now)),
        str(window_slot(request.limit_window_s, now)),
        "" if grant is None else str(window_slot(grant[5], now)),
    )
    return Packed(clock, tuple(parts), _HEAD + 9 * len(request.candidates))


# The answers of replies that skipped no candidate, by all but their count (the first line):
# a router's picks give the same few on almost every call, so each is parsed once.
_PLAIN: dict[tuple[bytes, int], PickAnswer] = {}


def read_answer(reply: Any, size: int) -> PickAnswer:
    """The script's reply (for ``size`` candidates) as ``state.pick_deployment`` answers."""
    if type(reply) is bytes:
        cut = reply.find(b"\n")
        key = (reply[cut + 1 :], size)
        known = _PLAIN.get(key)
        if known is not None:
            count = int(reply[:cut])
            a = known
            return PickAnswer(
                a.chosen, a.outcome, a.until, a.tried, a.half_open, None if count < 0 else count, a.granted
            )
        answer = _read(reply, size)
        if reply.count(b"\n") == 3:  # no skipped candidate's line: nothing but the count varies
            if len(_PLAIN) >= 256:
                _PLAIN.clear()
            _PLAIN[key] = answer
        return answer
    return _read(reply, size)


def _read(reply: Any, size: int) -> PickAnswer:
    """``read_answer``, parsed."""
    lines = (reply.decode() if isinstance(reply, bytes) else str(reply)).split("\n")
    count, chosen, tried = int(lines[0]), int(lines[1]), lines[3]
    half, _, granted = lines[2].partition(" ")
    outcome = [""] * size
    until: list[float | None] = [None] * size
    if chosen:
        outcome[chosen - 1] = "picked"
    for line in lines[4:]:
        at, what, *ends = line.split(" ")
        i = int(at) - 1
        outcome[i] = what
        if ends:
            until[i] = float(ends[0])
    return PickAnswer(
        chosen=chosen - 1 if chosen else None,
        outcome=tuple(outcome),
        until=tuple(until),
        tried=tuple(int(i) - 1 for i in tried.split()),
        half_open=half == "1",
        counted=None if count < 0 else count,
        granted=int(granted),
    )
