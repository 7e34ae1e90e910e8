"""Shared routing state: the small interface every backend implements.

The router keeps all of its mutable counters (rpm/tpm windows, cooldowns,
failure counts, latency EWMAs, in-flight counts) behind :class:`StateBackend`
so the same policy runs against one process's memory or against a store that
several processes share (Redis, in ``redis_state.py``). Time is always passed
in (``now``) so backends never read a clock and tests run on a fake one.

Windows are fixed windows keyed by ``floor(now / window_s)``: cheap, atomic in
one Redis script, and exact enough for rpm/tpm ceilings.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol, runtime_checkable

__all__ = [
    "OPERATIONS",
    "PICK_OPERATION",
    "AsyncStateBackend",
    "InMemoryState",
    "PickAnswer",
    "PickCandidate",
    "PickRequest",
    "PickingBackend",
    "StateBackend",
    "lowest",
    "pick_deployment",
    "window_slot",
]

# The methods of a backend the router calls (a ``StateOp`` names one of them).
OPERATIONS = (
    "incr_window",
    "get_window",
    "set_cooldown",
    "cooldown_until",
    "clear_cooldown",
    "record_failure",
    "ewma",
    "add_inflight",
    "try_acquire",
)


def window_slot(window_s: float, now: float) -> int:
    """The fixed window that ``now`` falls in (shared by every backend)."""
    return math.floor(now / window_s) if window_s > 0 else 0


@runtime_checkable
class StateBackend(Protocol):
    """Counters the router reads and writes; every method is atomic."""

    def incr_window(self, key: str, amount: int, window_s: float, now: float) -> int:
        """Add ``amount`` to the current window; the window's count after adding."""
        ...

    def get_window(self, key: str, window_s: float, now: float) -> int:
        """The count in the current window."""
        ...

    def set_cooldown(self, key: str, until: float) -> None:
        """Mark ``key`` cooling down until ``until`` (a later call replaces it)."""
        ...

    def cooldown_until(self, key: str, now: float) -> float | None:
        """When the cooldown of ``key`` ends, or None when it is not cooling down."""
        ...

    def clear_cooldown(self, key: str) -> None:
        """End the cooldown of ``key`` and forget its failures (a probe succeeded)."""
        ...

    def record_failure(self, key: str, window_s: float, now: float) -> int:
        """Count one failure of ``key``; the failures in the current window."""
        ...

    def ewma(self, key: str, sample: float | None, alpha: float) -> float | None:
        """Fold ``sample`` into the moving average (or only read it when None)."""
        ...

    def add_inflight(self, key: str, delta: int) -> int:
        """Change the in-flight count of ``key``; the count afterwards (never below 0)."""
        ...

    def try_acquire(self, key: str, limit: int, window_s: float, now: float, amount: int = 1) -> bool:
        """Add ``amount`` to the window only if the total stays within ``limit``."""
        ...


@runtime_checkable
class AsyncStateBackend(Protocol):
    """:class:`StateBackend` with awaitable methods (for ``redis.asyncio``)."""

    async def incr_window(self, key: str, amount: int, window_s: float, now: float) -> int: ...
    async def get_window(self, key: str, window_s: float, now: float) -> int: ...
    async def set_cooldown(self, key: str, until: float) -> None: ...
    async def cooldown_until(self, key: str, now: float) -> float | None: ...
    async def clear_cooldown(self, key: str) -> None: ...
    async def record_failure(self, key: str, window_s: float, now: float) -> int: ...
    async def ewma(self, key: str, sample: float | None, alpha: float) -> float | None: ...
    async def add_inflight(self, key: str, delta: int) -> int: ...
    async def try_acquire(
        self, key: str, limit: int, window_s: float, now: float, amount: int = 1
    ) -> bool: ...


class InMemoryState:
    """The default backend: one process's memory, guarded by one lock.

    A sync backend that an :class:`~llmkit.router.AsyncRouter` also uses
    directly (every method is a few dictionary operations, never I/O).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # The lock's methods, bound once: on the operations every routed call makes, a plain
        # acquire and a release in ``finally`` cost about a third of ``with self._lock``
        # (CPython 3.11), which was the largest single part of counting a call.
        self._acquire = self._lock.acquire
        self._release = self._lock.release
        self._windows: dict[str, tuple[int, int]] = {}
        self._failures: dict[str, tuple[int, int]] = {}
        self._cooldowns: dict[str, float] = {}
        self._ewmas: dict[str, float] = {}
        self._inflight: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"InMemoryState(keys={len(self._windows) + len(self._cooldowns)})"

    @staticmethod
    def _bump(table: dict[str, tuple[int, int]], key: str, slot: int, amount: int) -> int:
        old_slot, count = table.get(key, (slot, 0))
        count = (count if old_slot == slot else 0) + amount
        table[key] = (slot, count)
        return count

    def incr_window(self, key: str, amount: int, window_s: float, now: float) -> int:
        # window_slot and _bump written out: every routed call counts itself here.
        slot = math.floor(now / window_s) if window_s > 0 else 0
        self._acquire()
        try:
            old_slot, count = self._windows.get(key, (slot, 0))
            count = (count if old_slot == slot else 0) + amount
            self._windows[key] = (slot, count)
            return count
        finally:
            self._release()

    def get_window(self, key: str, window_s: float, now: float) -> int:
        slot, count = self._windows.get(key, (0, 0))
        return count if slot == window_slot(window_s, now) else 0

    def set_cooldown(self, key: str, until: float) -> None:
        with self._lock:
            self._cooldowns[key] = until

    def cooldown_until(self, key: str, now: float) -> float | None:
        until = self._cooldowns.get(key)
        return until if until is not None and until > now else None

    def any_cooling(self, keys: tuple[str, ...], now: float) -> bool:
        """Whether ``cooldown_until`` would answer a time for any of ``keys`` (the plain
        route's check of its group's tripped markers, in one call; a read, like that one)."""
        cooldowns = self._cooldowns
        if cooldowns:
            for key in keys:
                until = cooldowns.get(key)
                if until is not None and until > now:
                    return True
        return False

    def least_busy(
        self, calls: str, window_s: float, now: float, busy: tuple[str, ...], keys: Sequence[float]
    ) -> int:
        """The plain route's least-busy pick, under one lock: ``incr_window(calls, 1, window_s,
        now)``, ``add_inflight(key, 0)`` for each of ``busy``, then ``add_inflight(key, 1)`` for
        the one with the fewest in flight (``lowest``, ties by ``keys``, the shuffle's); its index.
        One lock, not one per operation, and the count it read is the one it reserves over."""
        slot = math.floor(now / window_s) if window_s > 0 else 0
        self._acquire()
        try:
            windows = self._windows
            old_slot, count = windows.get(calls, (slot, 0))
            windows[calls] = (slot, (count if old_slot == slot else 0) + 1)
            inflight = self._inflight
            counts = [inflight.setdefault(key, 0) for key in busy]
            best = lowest(counts, keys)
            inflight[busy[best]] = counts[best] + 1
            return best
        finally:
            self._release()

    def latencies(self, keys: tuple[str, ...]) -> list[float]:
        """``ewma(key, None, alpha)`` (a read) for each of ``keys``, 0.0 for one not measured yet
        (what the latency strategy compares: an average is never None once stored)."""
        get = self._ewmas.get
        return [get(key, 0.0) for key in keys]

    def clear_cooldown(self, key: str) -> None:
        with self._lock:
            self._cooldowns.pop(key, None)
            self._failures.pop(key, None)

    def record_failure(self, key: str, window_s: float, now: float) -> int:
        with self._lock:
            return self._bump(self._failures, key, window_slot(window_s, now), 1)

    def ewma(self, key: str, sample: float | None, alpha: float) -> float | None:
        if sample is None:
            return self._ewmas.get(key)
        self._acquire()
        try:
            old = self._ewmas.get(key)
            value = sample if old is None else alpha * sample + (1 - alpha) * old
            self._ewmas[key] = value
            return value
        finally:
            self._release()

    def add_inflight(self, key: str, delta: int) -> int:
        self._acquire()
        try:
            value = self._inflight.get(key, 0) + delta
            if value < 0:  # not max(): a builtin's call costs more than the rest here
                value = 0
            self._inflight[key] = value
            return value
        finally:
            self._release()

    def try_acquire(self, key: str, limit: int, window_s: float, now: float, amount: int = 1) -> bool:
        with self._lock:
            slot = window_slot(window_s, now)
            old_slot, count = self._windows.get(key, (slot, 0))
            count = count if old_slot == slot else 0
            if count + amount > limit:
                return False
            self._windows[key] = (slot, count + amount)
            return True


def lowest(scores: Sequence[float], keys: Sequence[float]) -> int:
    """The index of the lowest score, ties to the highest key, then to the first: the first of
    ``strategies.order``'s shuffle (by ``keys``, highest first) sorted by score."""
    best = 0
    for i in range(1, len(scores)):
        if scores[i] < scores[best] or (scores[i] == scores[best] and keys[i] > keys[best]):
            best = i
    return best


# --- One-step picks -------------------------------------------------------------------------
# A pick reads, per candidate, its breaker, its tpm window and what the strategy compares, then
# takes an rpm slot (and a half-open probe) from the first one it can. Done as separate calls,
# that is two or three Redis round trips per routed call; a backend with ``pick_deployment``
# does it all in one step (Redis: one Lua script, atomic). ``pick_deployment`` below is the
# same pick composed of the ordinary operations: what any backend's own must answer.

PICK_OPERATION = "pick_deployment"


@dataclass(frozen=True, slots=True)
class PickCandidate:
    """One deployment a pick may choose: its state keys and limits (built once per router)."""

    tripped: str  # set while its breaker is open or half-open
    health: str  # its cooldown
    probe: str  # the half-open probe's window
    busy: str  # its in-flight count
    latency: str  # its latency average
    rpm_key: str
    tpm_key: str
    rpm: int | None = None
    tpm: int | None = None


@dataclass(frozen=True, slots=True)
class PickRequest:
    """A pick over ``candidates``, given in the order to try them before any state is read (the
    strategy's shuffle). ``compare`` ("inflight", "latency", "usage" or "") reorders the eligible
    ones by that number, lowest first, ties keeping the given order. ``reserve`` counts the chosen
    one in flight. ``count`` is an ``incr_window`` to do first (the call's budget count).
    ``grant`` reserves the chosen one's client retries from the retry budget: (the calls key,
    the retries key, retries wanted, ratio, least allowed, window in seconds); of the retries the
    window allows (``max(least, floor(ratio * calls))``), as many as are left, up to the wanted."""

    candidates: tuple[PickCandidate, ...]
    now: float
    compare: str = ""
    reserve: bool = False
    probe_window_s: float = 5.0
    limit_window_s: float = 60.0
    count: tuple[str, int, float, float] | None = None
    grant: tuple[str, str, int, float, int, float] | None = None


class PickAnswer(NamedTuple):
    """What a pick found. ``outcome`` per candidate: "picked", "cooling" (``until`` says until
    when), "tpm" (its tpm window is full), "probing" (another call holds its half-open probe),
    "rpm" (its rpm window is full) or "" (eligible, not reached); ``tried`` the candidates tried,
    in order; ``half_open`` whether the chosen one is a half-open probe; ``counted`` the window's
    count after ``request.count`` (None without one)."""

    chosen: int | None
    outcome: tuple[str, ...]
    until: tuple[float | None, ...]
    tried: tuple[int, ...]
    half_open: bool
    counted: int | None
    granted: int = 0  # the client retries reserved for the chosen one (``request.grant``)


@runtime_checkable
class PickingBackend(Protocol):
    """A backend that picks in one step (the router then sends it one ``pick_deployment`` per
    pick instead of its reads and takes); an async one awaits it."""

    def pick_deployment(self, request: PickRequest) -> PickAnswer:
        """Answer as :func:`pick_deployment` over the ordinary operations would, atomically."""
        ...


def _compared(state: StateBackend, request: PickRequest, c: PickCandidate, tpm_used: int | None) -> float:
    now, window = request.now, request.limit_window_s
    if request.compare == "inflight":
        return float(state.add_inflight(c.busy, 0))
    if request.compare == "latency":
        return state.ewma(c.latency, None, 0.0) or 0.0
    share = state.get_window(c.rpm_key, window, now) / c.rpm if c.rpm else 0.0
    return max(share, (tpm_used or 0) / c.tpm) if c.tpm else share


def _granted(state: StateBackend, grant: tuple[str, str, int, float, int, float], now: float) -> int:
    calls_key, key, wanted, ratio, least, window = grant
    allowed = max(least, int(ratio * state.get_window(calls_key, window, now)))
    granted = min(wanted, allowed - state.get_window(key, window, now))
    if granted <= 0 or not state.try_acquire(key, allowed, window, now, granted):
        return 0
    return granted


def pick_deployment(state: StateBackend, request: PickRequest) -> PickAnswer:
    """The pick of ``request`` from ``state``'s ordinary operations (each atomic, the whole not):
    what a backend's own ``pick_deployment`` does in one step."""
    now, window, cands = request.now, request.limit_window_s, request.candidates
    count = state.incr_window(*request.count) if request.count is not None else None
    outcome = [""] * len(cands)
    until_: list[float | None] = [None] * len(cands)
    half: set[int] = set()
    numbers: dict[int, float] = {}
    eligible: list[int] = []
    for i, c in enumerate(cands):
        if state.cooldown_until(c.tripped, now) is not None:
            ends = state.cooldown_until(c.health, now)
            if ends is not None:
                outcome[i], until_[i] = "cooling", ends
                continue
            half.add(i)
        used = state.get_window(c.tpm_key, window, now) if c.tpm is not None else None
        if used is not None and c.tpm is not None and used >= c.tpm:
            outcome[i] = "tpm"
            continue
        if request.compare:
            numbers[i] = _compared(state, request, c, used)
        eligible.append(i)
    if request.compare:
        eligible.sort(key=numbers.__getitem__)  # stable: ties keep the given order
    tried: list[int] = []
    for i in eligible:
        c = cands[i]
        tried.append(i)
        if i in half and not state.try_acquire(c.probe, 1, request.probe_window_s, now, 1):
            outcome[i] = "probing"
        elif c.rpm is not None and not state.try_acquire(c.rpm_key, c.rpm, window, now, 1):
            outcome[i] = "rpm"
        else:
            outcome[i] = "picked"
            if request.reserve:
                state.add_inflight(c.busy, 1)
            granted = _granted(state, request.grant, now) if request.grant is not None else 0
            return PickAnswer(i, tuple(outcome), tuple(until_), tuple(tried), i in half, count, granted)
    return PickAnswer(None, tuple(outcome), tuple(until_), tuple(tried), False, count)
