"""The per-call fast paths give exactly what the general readers give (issue 17, slice parse)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from llmkit.dialects.openai_chat import parse_usage
from llmkit.errors import ConfigurationError
from llmkit.types import Usage
from llmkit.wire import _ENCODER, dumps, loads


def _deep(n: int) -> dict[str, Any]:
    root: dict[str, Any] = {}
    cur = root
    for _ in range(n):
        cur["a"] = {}
        cur = cur["a"]
    return root


def _cycle() -> dict[str, Any]:
    d: dict[str, Any] = {}
    d["self"] = d
    return d


GOOD: list[Any] = [
    {"a": 1, "b": [1.5, "é\u2028", None, True], "c": {"d": "\x00"}},
    {1: 2, 2.5: "a", False: "b", None: "c"},
    {},
    [1, 2],
    "text",
    {"n": 10**30, "f": -0.0},
]
BAD: list[Any] = [
    {"x": float("nan")},
    {"x": [float("-inf")]},
    {"x": object()},
    {(1, 2): 3},
    _cycle(),
    _deep(100_000),
]


@pytest.mark.parametrize("obj", GOOD)
def test_dumps_matches_the_encoder(obj: Any) -> None:
    assert dumps(obj) == _ENCODER.encode(obj).encode()


@pytest.mark.parametrize("obj", BAD)
def test_dumps_refuses_what_the_encoder_refuses(obj: Any) -> None:
    with pytest.raises((ValueError, TypeError, RecursionError)) as plain:
        _ENCODER.encode(obj)
    with pytest.raises(ConfigurationError) as ours:
        dumps(obj)
    assert str(plain.value) in str(ours.value)
    assert ours.value.__cause__ is None and ours.value.__context__ is None


BODIES = [
    b'{"a":1}',
    b' {"a":1}',
    b'{"a":1} \n',
    b'{"a":1}x',
    b'{"a":1}{"b":2}',
    b"",
    b"   ",
    b"\xef\xbb\xbf{}",
    b'{"a":',
    b"[1,2",
    b"nul",
    b'"\xff\xfe"',
    b"1e999",
    b"NaN",
    b"[" * 100_000,
    b'{"choices":[{"message":{"content":"hi"}}]}',
]


@pytest.mark.parametrize("body", BODIES)
def test_loads_matches_json_loads(body: bytes) -> None:
    def read(fn: Any) -> Any:
        try:
            return ("ok", repr(fn(body)))
        except (ValueError, RecursionError) as exc:
            return (type(exc).__name__, str(exc))

    assert read(loads) == read(lambda b: json.loads(b.decode("utf-8", "replace")))


def _reference_usage(u: Any, service_tier: Any, cost: Any, uncounted: int | None) -> Usage:
    """The reading parse_usage had before it was made cheaper, kept as the oracle."""
    from llmkit.dialects.openai_chat._response import _ints, _reported_cost

    if not u:
        return Usage()

    def count(value: Any) -> Any:
        if uncounted is not None and type(value) is int and value == uncounted:
            return 0
        return value or 0

    prompt, completion = u.get("prompt_tokens"), u.get("completion_tokens")
    if prompt is None and completion is None:
        prompt, completion = u.get("input_tokens"), u.get("output_tokens")
    prompt, completion = count(prompt), count(completion)
    pd = u.get("prompt_tokens_details") or {}
    cd = u.get("completion_tokens_details") or {}
    cached = count(pd.get("cached_tokens")) or count(u.get("prompt_cache_hit_tokens"))
    reasoning = count(cd.get("reasoning_tokens"))
    total = count(u.get("total_tokens")) or prompt + completion
    if reasoning and _ints(prompt, completion, reasoning, total) and total == prompt + completion + reasoning:
        completion += reasoning
    return Usage(
        input_tokens=prompt,
        output_tokens=completion,
        total_tokens=total,
        cached_input_tokens=cached,
        reasoning_tokens=reasoning,
        service_tier=service_tier if isinstance(service_tier, str) else None,
        reported_cost=_reported_cost(u, cost),
    )


USAGES: list[Any] = [
    None,
    {},
    {"prompt_tokens": 8, "completion_tokens": 7, "total_tokens": 15},
    {"input_tokens": 3, "output_tokens": 4},
    {
        "prompt_tokens": 5,
        "completion_tokens": 2,
        "total_tokens": 10,
        "completion_tokens_details": {"reasoning_tokens": 3},
    },
    {
        "prompt_tokens": 5,
        "completion_tokens": 5,
        "total_tokens": 10,
        "completion_tokens_details": {"reasoning_tokens": 3},
    },
    {"prompt_tokens": 9, "prompt_tokens_details": {"cached_tokens": 4}},
    {"prompt_tokens": 9, "prompt_tokens_details": {"cached_tokens": 0}, "prompt_cache_hit_tokens": 6},
    {"prompt_tokens": -1, "completion_tokens": -1, "total_tokens": -1, "prompt_cache_hit_tokens": -1},
    {
        "prompt_tokens": -1,
        "prompt_tokens_details": {"cached_tokens": -1},
        "completion_tokens_details": {"reasoning_tokens": -1},
    },
    {"prompt_tokens": "12", "completion_tokens": 1.5, "total_tokens": None},
    {"prompt_tokens": True, "completion_tokens": False},
    {"prompt_tokens": 1, "cost": 0.25},
    {"prompt_tokens": 1, "estimated_cost": 0.5},
    {"prompt_tokens": 1, "cost": -1, "estimated_cost": 2},
    {"prompt_tokens": 1, "cost": True},
    {"prompt_tokens": 1, "prompt_tokens_details": [1]},
    {"prompt_tokens": 1, "completion_tokens_details": "x"},
    [1, 2],
    "12",
]
COSTS: list[Any] = [None, {"usd": 0.1}, {"usd": 0, "diem": 2}, {"usd": 0}, "3", 5]


@pytest.mark.parametrize("u", USAGES)
@pytest.mark.parametrize("cost", COSTS)
@pytest.mark.parametrize("uncounted", [None, -1, 0])
def test_parse_usage_matches_the_general_reading(u: Any, cost: Any, uncounted: int | None) -> None:
    def read(fn: Any) -> Any:
        try:
            got = fn(u, "flex", cost, uncounted)
        except Exception as exc:
            return (type(exc).__name__, str(exc))
        return (got, got.service_tier, got.reported_cost, [type(getattr(got, f)) for f in got.__slots__])

    assert read(parse_usage) == read(_reference_usage)
