"""The router's Redis state as commands: key names, and each ``StateBackend`` operation as the
script (by SHA) or plain command Redis runs, with how its reply is read (``Commands``); shared by
the sync and async backends (``redis_state``)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from llmkit.cache._redis import check_prefix, require
from llmkit.errors import ConfigurationError
from llmkit.router._redis_scripts import SCRIPTS as _SCRIPTS
from llmkit.router._redis_scripts import SHAS as _SHAS
from llmkit.router.state import window_slot

__all__ = ["LOADS", "Command", "Commands", "no_script", "steady_key", "wire"]

# A cooldown given in a clock that is not the wall clock (a monotonic one) cannot be turned into
# an expiry: such keys are dropped after this long (their value still says when they end).
_FALLBACK_TTL_MS = 86_400_000


def _ms(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _nothing(_: Any) -> None:
    return None


class Command(NamedTuple):
    """One state operation as Redis runs it: a script (by name) with its key and arguments, or
    a plain command; ``decode`` turns the reply into the method's answer."""

    script: str | None
    parts: tuple[Any, ...]
    decode: Callable[[Any], Any]
    doing: str  # for the error, as "Redis at ... failed while {doing}"


class Commands:
    """Key names and the command of each ``StateBackend`` method, shared by both backends."""

    def __init__(self, prefix: str, namespace: str, idle_ttl: float) -> None:
        self.base = f"{check_prefix(prefix, 'prefix=')}:state:{namespace}:"
        if isinstance(idle_ttl, bool) or not isinstance(idle_ttl, (int, float)) or idle_ttl <= 0:
            raise ConfigurationError(f"idle_ttl must be a positive number of seconds, not {idle_ttl!r}")
        self.idle_ms = _ms(idle_ttl)

    def name(self, kind: str, key: str) -> str:
        if type(key) is not str or not key:
            raise ConfigurationError(f"a state key must be a non-empty string, not {key!r}")
        return self.base + kind + ":" + key

    @staticmethod
    def window(window_s: float, now: float) -> tuple[str, int]:
        # The key lives through its window and one more, so a late reader still finds it.
        return str(window_slot(window_s, now)), _ms(2 * window_s) if window_s > 0 else _FALLBACK_TTL_MS

    @staticmethod
    def cooldown_ms(until: float) -> int:
        left = until - time.time()
        return _ms(left) + 1000 if 0 < left < 86_400 else _FALLBACK_TTL_MS

    def incr_window(self, key: str, amount: int, window_s: float, now: float) -> Command:
        slot, ttl = self.window(window_s, now)
        return Command("incr", (self.name("win", key), slot, amount, ttl), int, "counting a window")

    def get_window(self, key: str, window_s: float, now: float) -> Command:
        slot, _ = self.window(window_s, now)

        def count(reply: Any) -> int:
            s, n = reply
            return int(n) if s is not None and s.decode() == slot and n is not None else 0

        return Command(None, ("HMGET", self.name("win", key), "s", "n"), count, "reading a window")

    def try_acquire(self, key: str, limit: int, window_s: float, now: float, amount: int = 1) -> Command:
        slot, ttl = self.window(window_s, now)
        parts = (self.name("win", key), slot, amount, ttl, limit)
        return Command("acquire", parts, bool, "acquiring from a window")

    def set_cooldown(self, key: str, until: float) -> Command:
        parts = ("SET", self.name("cool", key), repr(float(until)), "PX", self.cooldown_ms(until))
        return Command(None, parts, _nothing, "setting a cooldown")

    def cooldown_until(self, key: str, now: float) -> Command:
        def until(reply: Any) -> float | None:
            value = _float(reply)
            return value if value is not None and value > now else None

        return Command(None, ("GET", self.name("cool", key)), until, "reading a cooldown")

    def clear_cooldown(self, key: str) -> Command:
        parts = ("DEL", self.name("cool", key), self.name("fail", key))
        return Command(None, parts, _nothing, "clearing a cooldown")

    def record_failure(self, key: str, window_s: float, now: float) -> Command:
        slot, ttl = self.window(window_s, now)
        return Command("incr", (self.name("fail", key), slot, 1, ttl), int, "counting a failure")

    def ewma(self, key: str, sample: float | None, alpha: float) -> Command:
        name = self.name("ewma", key)
        if sample is None:
            return Command(None, ("GET", name), _float, "reading an average")
        parts = (name, repr(float(sample)), repr(float(alpha)), self.idle_ms)
        return Command("ewma", parts, float, "updating an average")

    def add_inflight(self, key: str, delta: int) -> Command:
        parts = (self.name("busy", key), int(delta), self.idle_ms)
        return Command("inflight", parts, int, "counting in-flight calls")


def wire(command: Command) -> tuple[Any, ...]:
    """The command's words as sent: a script by its SHA, with its one key."""
    if command.script is None:
        return command.parts
    return ("EVALSHA", _SHAS[command.script], 1, *command.parts)


# Operations whose command depends only on their arguments (not on the clock), and whose
# arguments repeat call after call: a record of one of them is packed once (``redis_state._Base._recorded``).
_STEADY = frozenset({"add_inflight", "clear_cooldown"})


def steady_key(ops: Sequence[Any]) -> Any:
    """The one operation of a record, when its command is packed once (else None)."""
    if len(ops) != 1 or type(ops[0]) is not tuple or not ops[0] or ops[0][0] not in _STEADY:
        return None
    try:
        hash(ops[0])
    except TypeError:  # arguments a key cannot be made of: ``_commands`` says what is wrong
        return None
    return ops[0]


# What loads the scripts a record may run, ahead of it (each reply a SHA, read and passed over).
LOADS = tuple(
    Command(None, ("SCRIPT", "LOAD", text), _nothing, "loading a script") for text in _SCRIPTS.values()
)


def no_script(reply: Any) -> bool:
    # The server lost its script cache (a restart, SCRIPT FLUSH): the script did not run.
    return isinstance(reply, require().exceptions.NoScriptError)
