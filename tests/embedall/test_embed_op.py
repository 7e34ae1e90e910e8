"""The embed operation's parameters and its automatic batching, over loopback through the public
API, sync and async: order kept, usage summed, refusals before anything is sent."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tests.conftest import CANARY_KEY

from llmkit import AsyncClient, Client
from llmkit.emulator import Emulator, Script, ScriptedError
from llmkit.errors import ConfigurationError, RateLimitError
from llmkit.operations._batching import estimate_tokens, plan_batches
from llmkit.types import Embeddings


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def embed(mode: str, emu: Emulator, model: str, inputs: Any, **kw: Any) -> Embeddings:
    profile = model.partition("/")[0]
    kw.setdefault("base_url", emu.base_url(profile))
    kw.setdefault("api_key", CANARY_KEY)
    if mode == "sync":
        with Client() as client:
            return client.embed(model, inputs, **kw)

    async def go() -> Embeddings:
        async with AsyncClient() as client:
            return await client.embed(model, inputs, **kw)

    return asyncio.run(go())


def one(emu: Emulator, text: str, dims: int = 8) -> list[float]:
    """The emulator's vector for ``text``, from a single request of its own."""
    return embed("sync", emu, "openai/text-embedding-3-small", text, dimensions=dims).vectors[0]


# ----------------------------------------------------------------------------- the planner


def test_planner_count_and_tokens() -> None:
    assert plan_batches(["a"] * 5, None, None) == [(0, 5)]
    assert plan_batches(["a"] * 5, 2, None) == [(0, 2), (2, 4), (4, 5)]
    assert plan_batches(["aaa", "bb", "c", "dddd", "e"], None, 5) == [(0, 2), (2, 4), (4, 5)]
    # An input over the token cap on its own is a batch alone, never dropped or refused here.
    assert plan_batches(["x" * 10, "y"], None, 4) == [(0, 1), (1, 2)]
    assert plan_batches(["a", "b", "c"], 2, 100) == [(0, 2), (2, 3)]


def test_estimate_is_bytes() -> None:
    assert estimate_tokens("héllo") == 6  # an upper bound for byte-level tokenizers
    assert estimate_tokens("") == 0


# ----------------------------------------------------------------------------- batching


def test_single_request(mode: str, emu: Emulator) -> None:
    e = embed(mode, emu, "openai/text-embedding-3-small", ["alpha", "beta"], dimensions=4)
    assert len(emu.requests) == 1 and len(e.vectors) == 2 and len(e.vectors[0]) == 4
    assert emu.requests[0].json()["encoding_format"] == "float"


def test_batch_past_the_count_limit(mode: str, emu: Emulator) -> None:
    texts = [f"text number {i}" for i in range(2048 * 2 + 3)]
    e = embed(mode, emu, "openai/text-embedding-3-small", texts)
    sizes = [len(r.json()["input"]) for r in emu.requests]
    assert sizes == [2048, 2048, 3]
    assert [t for r in emu.requests for t in r.json()["input"]] == texts  # order kept
    assert len(e.vectors) == len(texts)
    assert e.vectors[-1] == one(emu, texts[-1]) and e.vectors[2048] == one(emu, texts[2048])
    per_batch = [raw["usage"]["prompt_tokens"] for raw in e.raw]
    assert e.usage.input_tokens == sum(per_batch) and e.usage.total_tokens == sum(per_batch)


def test_batch_past_the_token_limit(mode: str, emu: Emulator) -> None:
    # OpenAI: 300,000 tokens per request; each text estimates at 120,000, so two fit per request.
    texts = ["a " * 60_000, "b " * 60_000, "c " * 60_000, "short"]
    e = embed(mode, emu, "openai/text-embedding-3-small", texts)
    assert [len(r.json()["input"]) for r in emu.requests] == [2, 2]
    assert len(e.vectors) == 4 and e.vectors[3] == one(emu, "short")


def test_failed_batch_fails_the_call_typed(mode: str, emu: Emulator) -> None:
    emu.script(Script(), Script(error=ScriptedError(429, "slow down")))  # first ok, second 429
    with pytest.raises(RateLimitError) as info:
        embed(mode, emu, "openai/text-embedding-3-small", ["x"] * 2049, max_retries=0)
    assert any("batch 2 of 2" in n for n in getattr(info.value, "__notes__", []))


# ----------------------------------------------------------------------------- parameters


def test_base64_comes_back_as_floats(mode: str, emu: Emulator) -> None:
    e = embed(mode, emu, "openai/text-embedding-3-small", "alpha", encoding="base64", dimensions=6)
    assert emu.requests[0].json()["encoding_format"] == "base64"
    assert e.vectors[0] == pytest.approx(one(emu, "alpha", 6), abs=1e-6)


def test_refusals_before_network(mode: str, emu: Emulator) -> None:
    with pytest.raises(ConfigurationError, match=r"does not offer input_type='query'; it offers: none"):
        embed(mode, emu, "openai/text-embedding-3-small", "a", input_type="query")
    with pytest.raises(ConfigurationError, match=r"does not offer encoding='int8'; it offers: float, base64"):
        embed(mode, emu, "openai/text-embedding-3-small", "a", encoding="int8")
    with pytest.raises(ConfigurationError, match="encoding must be one of"):
        embed(mode, emu, "openai/text-embedding-3-small", "a", encoding="fp16")
    with pytest.raises(ConfigurationError, match="input_type must be a string"):
        embed(mode, emu, "openai/text-embedding-3-small", "a", input_type=3)
    assert emu.requests == []
