"""The catalog: agreement with its upstream, the alias rule, unknown models, and the cost of
calls through the public API (sync and async, over loopback against recorded answers)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import llmkit
from llmkit.catalog import _data
from llmkit.emulator import Emulator
from llmkit.types import Usage

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "hardening"))
import _fidelity_replay as R  # noqa: E402

UPSTREAM = json.loads(
    gzip.decompress((ROOT / "scripts/catalog_sources/litellm-1.110.2.json.gz").read_bytes())
)


def test_shipped_data_is_the_build_of_the_pinned_source() -> None:
    # The maintainer script run with --check rebuilds in memory and diffs against the shipped file.
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts/build_catalog.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _close(ours: Decimal | None, per_token: Any) -> bool:
    if per_token is None:
        return ours is None
    return ours is not None and abs(float(ours) / 1e6 - per_token) <= 1e-12 * max(1.0, per_token * 1e6)


def test_every_entry_agrees_with_the_upstream_entry() -> None:
    """Read back through ModelInfo, every model's limits, flags and prices equal the upstream's
    own entry (compared as floats, independently of the build's decimal conversion)."""
    infos = llmkit.catalog.models()
    assert len(infos) > 2500
    for info in infos:
        raw = UPSTREAM[info.source_key]
        assert info.context_window == raw.get("max_input_tokens"), info.name
        assert info.max_output_tokens == raw.get("max_output_tokens"), info.name
        assert info.tools == bool(raw.get("supports_function_calling")), info.name
        assert info.vision == bool(raw.get("supports_vision")), info.name
        assert info.reasoning == bool(raw.get("supports_reasoning")), info.name
        assert info.prompt_caching == bool(raw.get("supports_prompt_caching")), info.name
        assert info.deprecation_date == raw.get("deprecation_date"), info.name
        s = info.prices.standard
        pairs = [
            (s.input, "input_cost_per_token"),
            (s.output, "output_cost_per_token"),
            (s.cache_read, "cache_read_input_token_cost"),
            (s.cache_write, "cache_creation_input_token_cost"),
            (s.cache_write_1h, "cache_creation_input_token_cost_above_1hr"),
            (s.reasoning, "output_cost_per_reasoning_token"),
        ]
        for ours, key in pairs:
            assert _close(ours, raw.get(key)), (info.name, key)
        for tier in info.prices.tiers:
            k = f"_above_{tier.above // 1000}k_tokens"
            assert _close(tier.rates.input, raw.get("input_cost_per_token" + k)), (info.name, k)
            assert _close(tier.rates.output, raw.get("output_cost_per_token" + k)), (info.name, k)
        batch = info.prices.service_tiers.get("batch")
        if batch is not None:
            assert _close(batch.input, raw.get("input_cost_per_token_batches")), info.name


def test_every_registered_provider_name_is_llmkits() -> None:
    from llmkit.providers import FAMILIES

    registered = {n for names in FAMILIES.values() for n in names}
    assert set(_data.providers()) <= registered
    assert {"openai", "anthropic", "gemini", "vertex_ai", "bedrock", "azure_openai"} <= set(_data.providers())


def test_model_info_fields_and_provenance() -> None:
    info = llmkit.model_info("gemini/gemini-2.5-pro")
    assert info is not None
    assert (info.context_window, info.max_output_tokens) == (1048576, 65536)
    assert info.tools and info.vision and info.reasoning and info.json_schema and info.prompt_caching
    assert "audio" in info.input_modalities
    assert info.prices.tiers[0].above == 200_000
    assert info.source_url == "https://ai.google.dev/gemini-api/docs/pricing"
    assert info.snapshot == "litellm-1.110.2" and info.snapshot_date
    gpt = llmkit.model_info("openai/gpt-4o")
    assert gpt is not None and gpt.tokenizer == "o200k_base" and gpt.parallel_tools


@pytest.mark.parametrize(
    ("asked", "listed"),
    [
        ("openai/gpt-4o-2024-08-06", None),  # listed itself: its own entry
        ("openai/gpt-4.1-2099-01-01", "gpt-4.1"),  # a date stamp not listed: the undated entry
        ("anthropic/claude-haiku-4-5-20991231", "claude-haiku-4-5"),
        ("gemini/models/gemini-2.5-flash", "gemini-2.5-flash"),  # Gemini echoes "models/..."
        ("vertex_ai/gemini-2.5-flash-001", "gemini-2.5-flash"),
        ("bedrock/ca.amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0"),  # a cross-region prefix
    ],
)
def test_the_alias_rule(asked: str, listed: str | None) -> None:
    info = llmkit.model_info(asked)
    assert info is not None, asked
    assert info.alias_of == listed
    assert info.name == asked
    cost = llmkit.cost(asked, Usage(1000, 100))
    assert cost and cost.provenance.alias_of == listed  # type: ignore[union-attr]


@pytest.mark.parametrize("model", ["openai/no-such-model", "nosuchprovider/x", "gpt-4o", "", "openai/"])
def test_unknown_models_degrade_gracefully(model: str) -> None:
    assert llmkit.model_info(model) is None
    cost = llmkit.cost(model, Usage(10, 10, reported_cost=0.5))
    assert isinstance(cost, llmkit.CostUnavailable) and not cost
    assert "does not list" in cost.reason and cost.provider_reported == Decimal("0.5")
    assert not hasattr(cost, "total")  # cannot be summed as a zero by mistake


def test_a_part_with_no_listed_price_is_unavailable_not_zero() -> None:
    # gpt-image-1 lists no output text-token price: text output cannot be priced.
    cost = llmkit.cost("openai/gpt-image-1", Usage(100, 50))
    assert not cost and "output" in cost.reason  # type: ignore[union-attr]
    # An entry with no prices at all.
    bare = next(m for m in llmkit.catalog.models() if not m.prices.known)
    assert "no prices" in llmkit.cost(bare.name, Usage(1, 1)).reason  # type: ignore[union-attr]
    # Inconsistent usage (more cached than the whole prompt) is refused, not priced.
    bad = llmkit.cost("openai/gpt-4o", Usage(10, 1, cached_input_tokens=20))
    assert not bad and "inconsistent" in bad.reason  # type: ignore[union-attr]


def test_models_filter() -> None:
    tools_vision = llmkit.catalog.models("openai", supports=("tools", "vision"))
    assert tools_vision and all(m.provider == "openai" and m.tools and m.vision for m in tools_vision)
    assert {m.provider for m in llmkit.catalog.models("groq")} == {"groq"}


def test_import_llmkit_does_not_load_the_catalog() -> None:
    code = (
        "import sys, llmkit; from llmkit.types import Completion, Usage;"
        "print(sorted(m for m in sys.modules if m.startswith('llmkit.catalog') or m in ('decimal', 'gzip')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ------------------------------------------------------------------ Completion.cost, public API


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def replay(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> str:
    return str(R.install(monkeypatch, emu))


KW: dict[str, Any] = {"api_key": "test-key-catalog", "max_retries": 0}
M = Decimal(1_000_000)


def test_completion_cost(mode: str, replay: str) -> None:
    body = R.fixture("xai/chat_tool_call_recorded.json")
    c = R.complete(mode, "openai/gpt-4o", base_url=replay, extra_headers=R.serve(body), **KW)
    # The answer names its model (grok-code-fast-1), which the openai table does not list.
    assert c.cost is None and c.cost_reason and "does not list" in c.cost_reason
    data = json.loads(body)
    data["model"] = "gpt-4o-2024-08-06"
    c = R.complete(
        mode, "openai/gpt-4o", base_url=replay, extra_headers=R.serve(json.dumps(data).encode()), **KW
    )
    assert c.cost is not None and c.cost_reason is None
    assert c.cost.total == (70 * Decimal("2.5") + 320 * Decimal("1.25") + 129 * Decimal(10)) / M


def test_a_streams_completion_has_its_cost(mode: str, replay: str) -> None:
    # xAI's recorded stream (OpenAI chunks, usage in the last one) priced as gpt-4o-mini.
    body = R.fixture("xai/chat_stream_reasoning_recorded.sse").rstrip(b"\n") + b"\n\n"
    _, c = R.stream(mode, "xai/grok-code-fast-1", base_url=replay,
                    extra_headers=R.serve(body, "text/event-stream"), **KW)  # fmt: skip
    assert c.cost is not None, c.cost_reason
    u = c.usage
    assert (u.input_tokens, u.output_tokens, u.reasoning_tokens) == (213, 200, 198)
    rates = llmkit.model_info("xai/grok-code-fast-1").prices.standard  # type: ignore[union-attr]
    fresh = u.input_tokens - u.cached_input_tokens
    want = fresh * rates.input + u.cached_input_tokens * rates.cache_read + 200 * rates.output  # type: ignore[operator]
    assert c.cost.total == want / M
    assert c.cost.reasoning == 198 * rates.output / M  # type: ignore[operator]


def test_provider_reported_cost_is_kept_beside_ours(mode: str, replay: str) -> None:
    # OpenRouter's recorded stream carries usage.cost (0.0005738 USD).
    body = R.fixture("openrouter/simple_streaming.sse").rstrip(b"\n") + b"\n\n"
    headers = R.serve(body, "text/event-stream")
    _, c = R.stream(mode, "openrouter/kimi", base_url=replay, extra_headers=headers, **KW)
    assert c.usage.reported_cost == 0.0005738
    # The catalog has no OpenRouter prices: no cost of ours, but the provider's figure is there.
    assert c.cost is None and c.cost_reason
    priced = llmkit.cost("openai/gpt-4o-mini", c.usage)
    assert isinstance(priced, llmkit.Cost)
    assert priced.provider_reported == Decimal("0.0005738")
    assert priced.disagreement == Decimal("0.0005738") - priced.total


def test_embeddings_cost(mode: str, replay: str) -> None:
    import asyncio

    body = R.fixture("openai/embeddings.json")
    kw = dict(base_url=replay, extra_headers=R.serve(body), **KW)
    if mode == "sync":
        with llmkit.Client() as client:
            e = client.embed("openai/text-embedding-3-small", ["hi"], **kw)
    else:

        async def go() -> Any:
            async with llmkit.AsyncClient() as client:
                return await client.embed("openai/text-embedding-3-small", ["hi"], **kw)

        e = asyncio.run(go())
    # The recorded answer: text-embedding-ada-002, 8 tokens, at $0.10 per million (OpenAI's page).
    assert e.model == "text-embedding-ada-002" and e.usage.input_tokens == 8
    assert e.cost is not None and e.cost.total == 8 * Decimal("0.1") / M
