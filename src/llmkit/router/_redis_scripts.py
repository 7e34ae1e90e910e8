"""The Lua scripts of the Redis state backend's single operations (``redis_state``), each one
read-modify-write that Redis runs atomically; the whole pick's is in ``_redis_pick``."""

from __future__ import annotations

import hashlib

__all__ = ["SCRIPTS", "SHAS"]

# A fixed window as a hash {s: slot, n: count}: a new slot resets the count. One key per counter,
# whatever the number of windows it has seen. Its TTL (two windows) is set when its window
# begins, so it outlives its window by at least one; a write within the window keeps it (a
# PEXPIRE on every write costs as much as the count itself, on a slow server).
_INCR_WINDOW = """
if redis.call('HGET', KEYS[1], 's') == ARGV[1] then return redis.call('HINCRBY', KEYS[1], 'n', ARGV[2]) end
redis.call('HSET', KEYS[1], 's', ARGV[1], 'n', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return tonumber(ARGV[2])
"""

_TRY_ACQUIRE = """
local s = redis.call('HGET', KEYS[1], 's')
local n = 0
if s == ARGV[1] then n = tonumber(redis.call('HGET', KEYS[1], 'n')) end
if n + tonumber(ARGV[2]) > tonumber(ARGV[4]) then return 0 end
if s == ARGV[1] then redis.call('HINCRBY', KEYS[1], 'n', ARGV[2]); return 1 end
redis.call('HSET', KEYS[1], 's', ARGV[1], 'n', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""

# Lua numbers reach Redis as integers: the average goes back as a string of 17 digits.
_EWMA = """
local old = redis.call('GET', KEYS[1])
local x = tonumber(ARGV[1])
local v = x
if old then v = tonumber(ARGV[2]) * x + (1 - tonumber(ARGV[2])) * tonumber(old) end
local text = string.format('%.17g', v)
redis.call('SET', KEYS[1], text, 'PX', ARGV[3])
return text
"""

_ADD_INFLIGHT = """
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if v < 0 then v = 0; redis.call('SET', KEYS[1], 0) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return v
"""

SCRIPTS = {"incr": _INCR_WINDOW, "acquire": _TRY_ACQUIRE, "ewma": _EWMA, "inflight": _ADD_INFLIGHT}
# Scripts run by their SHA (EVALSHA); a server that lost its script cache is sent them again.
SHAS = {name: hashlib.sha1(text.encode()).hexdigest() for name, text in SCRIPTS.items()}
