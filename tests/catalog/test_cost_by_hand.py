"""The cost of recorded usage, for 42 models of 14 providers, equals a hand computation.

Each row names the provider's price page and the rates read from it (USD per million tokens:
input, output, cache read, cache write 5m, cache write 1h). The rates were transcribed from those
pages as published in 2025 (the session that wrote this had no live access to re-read them); the
shipped catalog (LiteLLM 1.110.2's map) must give the same figure. Rows where the snapshot's
rates differ from the page as transcribed are listed in DIFFERENCES, with why, not tested.

The usage is recorded wire usage (tests/fixtures, each with its .source.md), decoded by llmkit's
own decoder; the hand computation works from the WIRE numbers with each provider's own
arithmetic (Anthropic's cache counts outside input_tokens, Gemini's thoughts outside
candidatesTokenCount, xAI's reasoning outside completion_tokens), so a dialect that broke the
usage convention would fail here too.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import llmkit
from llmkit.dialects.anthropic._response import usage_from as anthropic_usage
from llmkit.dialects.bedrock._response import usage_from as converse_usage
from llmkit.dialects.gemini._response import usage_of as gemini_usage
from llmkit.dialects.openai_chat._response import parse_usage as openai_usage
from llmkit.types import Usage

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
M = Decimal(1_000_000)

OPENAI = "https://openai.com/api/pricing/ (2025)"
AZURE = "https://azure.microsoft.com/en-us/pricing/details/cognitive-services/openai-service/ (2025)"
ANTHROPIC = "https://docs.claude.com/en/docs/about-claude/pricing (2025)"
GEMINI = "https://ai.google.dev/gemini-api/docs/pricing (2025)"
VERTEX = "https://cloud.google.com/vertex-ai/generative-ai/pricing (2025)"
BEDROCK = "https://aws.amazon.com/bedrock/pricing/ (2025)"
DEEPSEEK = "https://api-docs.deepseek.com/quick_start/pricing (2025-09, V3.2-Exp)"
MISTRAL = "https://mistral.ai/pricing#api-pricing (2025-12)"
COHERE = "https://cohere.com/pricing (2025)"
TOGETHER = "https://www.together.ai/pricing (2025)"
FIREWORKS = "https://fireworks.ai/pricing (2025)"
CEREBRAS = "https://www.cerebras.ai/pricing (2025)"
DEEPINFRA = "https://deepinfra.com/pricing (2025)"


def _json(path: str) -> Any:
    return json.loads((FIXTURES / path).read_text())


# ------------------------------------------------------------------ recorded wire usage, by shape
# xAI's recorded answer (OpenAI chat shape, cached tokens and reasoning): prompt 390 of which 320
# cached; completion 26, reasoning 103 OUTSIDE it (total 519).
XAI_WIRE = _json("xai/chat_tool_call_recorded.json")["usage"]
# OpenAI's recorded answer, no cache, no reasoning: 19 in, 10 out.
OPENAI_WIRE = _json("openai/chat_completion.json")["usage"]
# Anthropic's prompt-caching example: 21 fresh input, 188,086 written to the cache, 393 out.
ANTHROPIC_WIRE = _json("anthropic/message_cached.json")["usage"]
# Gemini 2.5 Pro recorded with thinking: 15 in, 8 candidates + 285 thoughts.
GEMINI_WIRE = _json("gemini/recorded_thinking_usage.json")["usageMetadata"]
# Gemini cookbook, context caching: 323,388 prompt (above 200K), of which 323,383 cached; 397 out.
GEMINI_CACHED_WIRE = _json("gemini/cookbook_cached_content.json")["usageMetadata"]
# Bedrock Converse (pydantic-ai cassettes): 13 fresh + 1,504 cache read; 2 fresh + 1,322 written.
CONVERSE_READ = _json("bedrock/converse_cache_read.json")["usage"]
CONVERSE_WRITE = _json("bedrock/converse_cache_write.json")["usage"]


def hand_openai(w: dict[str, Any], r: tuple[str, ...]) -> Decimal:
    """OpenAI arithmetic: cached_tokens are inside prompt_tokens; reasoning inside completion
    (xAI: outside, which its total shows)."""
    rin, rout, rread = Decimal(r[0]), Decimal(r[1]), Decimal(r[2] if r[2] else r[0])
    cached = w.get("prompt_tokens_details", {}).get("cached_tokens", 0)
    reasoning = w.get("completion_tokens_details", {}).get("reasoning_tokens", 0)
    out = w["completion_tokens"]
    if w["total_tokens"] == w["prompt_tokens"] + out + reasoning and reasoning:
        out += reasoning
    return ((w["prompt_tokens"] - cached) * rin + cached * rread + out * rout) / M


def hand_anthropic(w: dict[str, Any], r: tuple[str, ...]) -> Decimal:
    """Anthropic arithmetic: input_tokens is the fresh part; cache writes and reads are extra."""
    rin, rout, rread, rwrite = (Decimal(x) for x in r[:4])
    split = w.get("cache_creation") or {}
    w1h = split.get("ephemeral_1h_input_tokens", 0)
    w5m = w["cache_creation_input_tokens"] - w1h
    r1h = Decimal(r[4]) if len(r) > 4 else Decimal(0)
    return (
        w["input_tokens"] * rin
        + w5m * rwrite
        + w1h * r1h
        + w.get("cache_read_input_tokens", 0) * rread
        + w["output_tokens"] * rout
    ) / M


def hand_gemini(w: dict[str, Any], r: tuple[str, ...]) -> Decimal:
    """Gemini arithmetic: thoughts are billed as output, outside candidatesTokenCount."""
    rin, rout, rread = Decimal(r[0]), Decimal(r[1]), Decimal(r[2])
    cached = w.get("cachedContentTokenCount", 0)
    out = w["candidatesTokenCount"] + w.get("thoughtsTokenCount", 0)
    return ((w["promptTokenCount"] - cached) * rin + cached * rread + out * rout) / M


def hand_converse(w: dict[str, Any], r: tuple[str, ...]) -> Decimal:
    """Converse arithmetic: inputTokens excludes cache reads and writes."""
    rin, rout = Decimal(r[0]), Decimal(r[1])
    rread = Decimal(r[2]) if r[2] else rin
    rwrite = Decimal(r[3]) if len(r) > 3 and r[3] else rin
    return (
        w["inputTokens"] * rin
        + w["cacheReadInputTokens"] * rread
        + w["cacheWriteInputTokens"] * rwrite
        + w["outputTokens"] * rout
    ) / M


SHAPES = {
    "xai": (XAI_WIRE, openai_usage, hand_openai),
    "openai": (OPENAI_WIRE, openai_usage, hand_openai),
    "anthropic": (ANTHROPIC_WIRE, anthropic_usage, hand_anthropic),
    "gemini": (GEMINI_WIRE, gemini_usage, hand_gemini),
    "gemini_cached": (GEMINI_CACHED_WIRE, gemini_usage, hand_gemini),
    "converse_read": (CONVERSE_READ, converse_usage, hand_converse),
    "converse_write": (CONVERSE_WRITE, converse_usage, hand_converse),
}

# (model, usage shape, page rates (input, output, cache read, cache write 5m[, 1h]), page)
ROWS: list[tuple[str, str, tuple[str, ...], str]] = [
    ("openai/gpt-4o", "xai", ("2.5", "10", "1.25"), OPENAI),
    ("openai/gpt-4o-2024-08-06", "xai", ("2.5", "10", "1.25"), OPENAI),
    ("openai/gpt-4o-mini", "xai", ("0.15", "0.6", "0.075"), OPENAI),
    ("openai/gpt-4.1", "xai", ("2", "8", "0.5"), OPENAI),
    ("openai/gpt-4.1-mini", "xai", ("0.4", "1.6", "0.1"), OPENAI),
    ("openai/gpt-4.1-nano", "xai", ("0.1", "0.4", "0.025"), OPENAI),
    ("openai/gpt-5", "xai", ("1.25", "10", "0.125"), OPENAI),
    ("openai/gpt-5-mini", "xai", ("0.25", "2", "0.025"), OPENAI),
    ("openai/gpt-5-nano", "xai", ("0.05", "0.4", "0.005"), OPENAI),
    ("openai/o1", "xai", ("15", "60", "7.5"), OPENAI),
    ("openai/o3", "xai", ("2", "8", "0.5"), OPENAI),
    ("openai/o3-mini", "xai", ("1.1", "4.4", "0.55"), OPENAI),
    ("openai/o4-mini", "xai", ("1.1", "4.4", "0.275"), OPENAI),
    ("azure_openai/gpt-4o", "xai", ("2.5", "10", "1.25"), AZURE),
    ("anthropic/claude-sonnet-4-5", "anthropic", ("3", "15", "0.3", "3.75"), ANTHROPIC),
    ("anthropic/claude-sonnet-4-5-20250929", "anthropic", ("3", "15", "0.3", "3.75"), ANTHROPIC),
    ("anthropic/claude-haiku-4-5", "anthropic", ("1", "5", "0.1", "1.25"), ANTHROPIC),
    ("anthropic/claude-opus-4-5", "anthropic", ("5", "25", "0.5", "6.25"), ANTHROPIC),
    ("vertex_ai_anthropic/claude-sonnet-4-5", "anthropic", ("3", "15", "0.3", "3.75"), VERTEX),
    ("gemini/gemini-2.5-pro", "gemini", ("1.25", "10", "0.125"), GEMINI),
    ("gemini/gemini-2.5-flash", "gemini", ("0.3", "2.5", "0.03"), GEMINI),
    ("gemini/gemini-2.5-flash-lite", "gemini", ("0.1", "0.4", "0.01"), GEMINI),
    # The tier: a 323,388-token prompt is above 200K, so Gemini 2.5 Pro bills the whole request
    # at $2.50 in / $15 out / $0.25 cached.
    ("gemini/gemini-2.5-pro", "gemini_cached", ("2.5", "15", "0.25"), GEMINI),
    ("vertex_ai/gemini-2.5-pro", "gemini", ("1.25", "10", "0.125"), VERTEX),
    ("vertex_ai/gemini-2.5-flash", "gemini", ("0.3", "2.5", "0.03"), VERTEX),
    ("bedrock/anthropic.claude-sonnet-4-20250514-v1:0", "converse_read", ("3", "15", "0.3", "3.75"), BEDROCK),
    (
        "bedrock/anthropic.claude-sonnet-4-20250514-v1:0",
        "converse_write",
        ("3", "15", "0.3", "3.75"),
        BEDROCK,
    ),
    # Bedrock's regional (us.) endpoints for Claude Sonnet 4.5 cost 10% more than global ones.
    (
        "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "converse_write",
        ("3.3", "16.5", "0.33", "4.125"),
        BEDROCK,
    ),
    ("bedrock/amazon.nova-pro-v1:0", "converse_read", ("0.8", "3.2", "0.2"), BEDROCK),
    ("bedrock/amazon.nova-lite-v1:0", "converse_read", ("0.06", "0.24", "0.015"), BEDROCK),
    ("bedrock/amazon.nova-micro-v1:0", "converse_read", ("0.035", "0.14", "0.00875"), BEDROCK),
    ("deepseek/deepseek-chat", "xai", ("0.28", "0.42", "0.028"), DEEPSEEK),
    ("deepseek/deepseek-reasoner", "xai", ("0.28", "0.42", "0.028"), DEEPSEEK),
    ("mistral/mistral-large-latest", "openai", ("0.5", "1.5", ""), MISTRAL),
    ("mistral/codestral-latest", "openai", ("0.3", "0.9", ""), MISTRAL),
    ("cohere/command-a-03-2025", "openai", ("2.5", "10", ""), COHERE),
    ("cohere/command-r7b-12-2024", "openai", ("0.0375", "0.15", ""), COHERE),
    ("together_ai/deepseek-ai/DeepSeek-V3", "openai", ("1.25", "1.25", ""), TOGETHER),
    ("fireworks_ai/accounts/fireworks/models/deepseek-v3", "openai", ("0.9", "0.9", ""), FIREWORKS),
    ("cerebras/llama3.1-8b", "openai", ("0.1", "0.1", ""), CEREBRAS),
    ("cerebras/llama-3.3-70b", "openai", ("0.85", "1.2", ""), CEREBRAS),
    ("cerebras/gpt-oss-120b", "openai", ("0.35", "0.75", ""), CEREBRAS),
    ("deepinfra/meta-llama/Meta-Llama-3.1-8B-Instruct", "openai", ("0.03", "0.05", ""), DEEPINFRA),
]

# Where the snapshot's rates differ from the price page as transcribed (not tested above):
DIFFERENCES = {
    "xai/grok-code-fast-1": "page (2025-08): $0.20 in / $1.50 out / $0.02 cached; snapshot 1 / 2 / 0.2 "
    "(a later repricing upstream, or an upstream error: re-check the page at the next build)",
    "perplexity/*": "the page adds a per-request search fee ($5-$14 per 1,000 requests); the catalog "
    "prices tokens only, so a Perplexity cost is understated by that fee (docs/cost.md)",
}


def test_the_rows_cover_40_models_of_12_providers() -> None:
    assert len({m for m, *_ in ROWS}) >= 40
    assert len({m.split("/")[0] for m, *_ in ROWS}) >= 12


@pytest.mark.parametrize(("model", "shape", "rates", "page"), ROWS, ids=[f"{r[0]}:{r[1]}" for r in ROWS])
def test_cost_of_recorded_usage_equals_the_hand_computation(
    model: str, shape: str, rates: tuple[str, ...], page: str
) -> None:
    wire, decode, hand = SHAPES[shape]
    usage = decode(wire)
    cost = llmkit.cost(model, usage)
    assert isinstance(cost, llmkit.Cost), cost
    assert cost.total == hand(wire, rates), (page, cost.parts)
    assert cost.currency == "USD"
    assert cost.provenance.snapshot == "litellm-1.110.2"


def test_a_cache_read_is_billed_once_at_the_read_rate() -> None:
    # The most reported LiteLLM bug: cached tokens billed twice, or at the full input rate.
    cost = llmkit.cost("openai/gpt-4o", openai_usage(XAI_WIRE))
    assert isinstance(cost, llmkit.Cost)
    by = {(p.name, p.cache_class): p for p in cost.parts}
    assert by[("input", None)].quantity == 390 - 320
    assert by[("cache_read", "read")].quantity == 320
    assert by[("cache_read", "read")].rate == Decimal("1.25")
    assert by[("reasoning", None)].quantity == 103  # kept, at the output rate
    assert cost.cache_read == Decimal(320) * Decimal("1.25") / M


def test_anthropic_one_hour_cache_writes_are_priced_apart() -> None:
    # The shape of usage.cache_creation in Anthropic's docs (prompt caching, "1-hour cache").
    wire = {
        "input_tokens": 100,
        "cache_creation_input_tokens": 3000,
        "cache_read_input_tokens": 500,
        "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 2000},
        "output_tokens": 50,
    }
    cost = llmkit.cost("anthropic/claude-sonnet-4-5", anthropic_usage(wire))
    assert isinstance(cost, llmkit.Cost)
    assert cost.total == hand_anthropic(wire, ("3", "15", "0.3", "3.75", "6"))  # 1h: 2x input
    classes = {p.cache_class: p.quantity for p in cost.parts if p.cache_class}
    assert classes == {"read": 500, "write_5m": 1000, "write_1h": 2000}


@pytest.mark.parametrize(
    "model", ["bedrock/anthropic.claude-sonnet-4-20250514-v1:0", "vertex_ai_anthropic/claude-sonnet-4-5"]
)
def test_claude_sonnet_long_context_tier(model: str) -> None:
    # Claude Sonnet 4/4.5 with the 1M context window: a prompt above 200K tokens bills the whole
    # request at $6 in / $22.50 out / $0.60 read / $7.50 write (BEDROCK and VERTEX pages).
    wire = {"inputTokens": 240_000, "outputTokens": 2_000, "cacheReadInputTokens": 10_000,
            "cacheWriteInputTokens": 0, "totalTokens": 252_000}  # fmt: skip
    cost = llmkit.cost(model, converse_usage(wire))
    assert isinstance(cost, llmkit.Cost)
    assert cost.total == hand_converse(wire, ("6", "22.5", "0.6", "7.5"))
    assert cost.provenance.tier_above == 200_000
    under = llmkit.cost(model, converse_usage({**wire, "inputTokens": 190_000}))
    assert isinstance(under, llmkit.Cost) and under.provenance.tier_above is None


def test_batch_and_service_tiers() -> None:
    usage = openai_usage(OPENAI_WIRE)  # 19 in, 10 out
    batch = llmkit.cost("openai/o3", usage, batch=True)
    flex = llmkit.cost("openai/o3", Usage(19, 10, service_tier="flex"))
    priority = llmkit.cost("openai/o3", usage, service_tier="priority")
    # OpenAI's page: Batch and Flex halve o3 ($1 / $4); Priority is $3.50 / $14.
    assert isinstance(batch, llmkit.Cost) and batch.total == (19 * Decimal(1) + 10 * Decimal(4)) / M
    assert isinstance(flex, llmkit.Cost) and flex.total == batch.total
    assert flex.provenance.service_tier == "flex"
    assert isinstance(priority, llmkit.Cost)
    assert priority.total == (19 * Decimal("3.5") + 10 * Decimal(14)) / M
    # A tier the page does not price for this model: unknown, not the standard rate.
    none = llmkit.cost("openai/o1", usage, service_tier="flex")
    assert not none and "flex" in none.reason  # type: ignore[union-attr]
