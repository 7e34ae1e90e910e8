"""The in-process state backend: windows, cooldowns, failures, EWMA, in-flight."""

from __future__ import annotations

from llmkit.router.state import InMemoryState, StateBackend


def test_in_memory_is_a_state_backend() -> None:
    assert isinstance(InMemoryState(), StateBackend)


def test_windows_reset_on_the_next_window() -> None:
    s = InMemoryState()
    assert s.incr_window("k", 2, 60.0, 0.0) == 2
    assert s.incr_window("k", 3, 60.0, 59.9) == 5
    assert s.get_window("k", 60.0, 59.9) == 5
    assert s.get_window("k", 60.0, 60.0) == 0
    assert s.incr_window("k", 1, 60.0, 61.0) == 1


def test_try_acquire_holds_the_limit() -> None:
    s = InMemoryState()
    got = [s.try_acquire("rpm", 3, 60.0, 1.0) for _ in range(5)]
    assert got == [True, True, True, False, False]
    assert s.try_acquire("rpm", 3, 60.0, 60.0)
    assert not s.try_acquire("tpm", 10, 60.0, 0.0, amount=11)
    assert s.get_window("tpm", 60.0, 0.0) == 0


def test_cooldown_expires_and_clears() -> None:
    s = InMemoryState()
    s.set_cooldown("d", 10.0)
    assert s.cooldown_until("d", 5.0) == 10.0
    assert s.cooldown_until("d", 10.0) is None
    s.set_cooldown("d", 20.0)
    assert s.record_failure("d", 30.0, 1.0) == 1
    s.clear_cooldown("d")
    assert s.cooldown_until("d", 5.0) is None
    assert s.record_failure("d", 30.0, 1.0) == 1


def test_failures_count_per_window() -> None:
    s = InMemoryState()
    assert [s.record_failure("d", 10.0, t) for t in (0.0, 1.0, 9.0)] == [1, 2, 3]
    assert s.record_failure("d", 10.0, 10.0) == 1


def test_ewma_and_inflight() -> None:
    s = InMemoryState()
    assert s.ewma("l", None, 0.5) is None
    assert s.ewma("l", 1.0, 0.5) == 1.0
    assert s.ewma("l", 3.0, 0.5) == 2.0
    assert s.ewma("l", None, 0.5) == 2.0
    assert s.add_inflight("d", 1) == 1
    assert s.add_inflight("d", 1) == 2
    assert s.add_inflight("d", -5) == 0
