"""Cross-format conversion rules, for each pair of formats: the rules on the conversation, then
the converted conversation sent to the target over loopback (the emulator checks the target's
rules: tool results pair with calls, signatures belong to it) and the body it received read."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest

import llmkit
from llmkit.emulator import Emulator, Script
from llmkit.emulator.bedrock import BEDROCK_API_KEY
from llmkit.errors import ConfigurationError
from llmkit.router.convert import (
    BEDROCK_ID,
    FORMATS,
    MISTRAL_ID,
    PROVIDER_FORMATS,
    FormatRules,
    convert,
    pair_table,
    rules_for,
)
from llmkit.types import Message, ReasoningPart, TextPart, Tool, ToolCall

ALL = [*FORMATS.values(), *PROVIDER_FORMATS.values()]
PAIRS = [(a, b) for a, b in itertools.permutations(ALL, 2)]
CACHE = {"type": "ephemeral"}

# Ids in each source's own style (what its parser hands back).
SOURCE_IDS = {
    "openai_chat": "call_Qx7k2LmN9pRsT4uVwXyZ0aBc",
    "anthropic_messages": "toolu_01A09q90qw90lq917835lq9",
    "bedrock_converse": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
    "gemini": "gemini-call-0:weather",
    "cohere": "get_weather_3kd92ms1pq0x",
    "mistral": "D681PevKs",
}


THOUGHT = "The user wants the weather; call the tool."


def conversation(src: FormatRules) -> tuple[list[Message], list[Tool]]:
    tool_id = SOURCE_IDS[src.name]
    sig = f"SIG-{src.name}-ErUBCkYIBRgCIkB"
    messages = [
        Message("system", (TextPart("Be brief.", cache_control=CACHE),)),
        Message("user", (TextPart("Weather in Paris?", cache_control=CACHE),)),
        Message(
            "assistant",
            (
                ReasoningPart("The user wants the weather; call the tool.", signature=sig),
                TextPart("Checking."),
            ),
            tool_calls=(ToolCall(tool_id, "get_weather", {"city": "Paris"}),),
        ),
        Message("tool", "18C and sunny", tool_call_id=tool_id),
        Message("user", "And tomorrow?"),
    ]
    tools = [Tool("get_weather", "Weather for a city", cache_control=CACHE)]
    return messages, tools


@pytest.mark.parametrize(("src", "dst"), PAIRS, ids=[f"{a.name}->{b.name}" for a, b in PAIRS])
def test_rules_for_each_pair(src: FormatRules, dst: FormatRules) -> None:
    messages, tools = conversation(src)
    out = convert(messages, src, dst, tools=tools)
    assistant, tool_msg = out.messages[2], out.messages[3]
    reasoning = [p for p in assistant.parts if isinstance(p, ReasoningPart)]
    same_family = src.signatures is not None and src.signatures == dst.signatures
    assert bool(reasoning) == same_family
    # Ids: valid for the target, and the call and its result still pair.
    (call,) = assistant.tool_calls
    assert dst.tool_ids.valid(call.id) and tool_msg.tool_call_id == call.id
    assert call.arguments == {"city": "Paris"} and call.name == "get_weather"
    assert (SOURCE_IDS[src.name] in out.tool_ids) == (not dst.tool_ids.valid(SOURCE_IDS[src.name]))
    # Cache points: kept or removed, on parts and tools alike.
    cached = [p for m in out.messages for p in m.parts if getattr(p, "cache_control", None)]
    assert bool(cached) == dst.cache_points
    assert out.tools is not None and bool(out.tools[0].cache_control) == dst.cache_points
    assert out.changes, "every cross-format conversion here changes something and says so"


@pytest.mark.parametrize(("src", "dst"), PAIRS, ids=[f"{a.name}->{b.name}" for a, b in PAIRS])
def test_reasoning_as_text_on_request(src: FormatRules, dst: FormatRules) -> None:
    messages, _ = conversation(src)
    out = convert(messages, src, dst, reasoning="text")
    parts = out.messages[2].parts
    if src.signatures is not None and src.signatures == dst.signatures:
        assert isinstance(parts[0], ReasoningPart)
    else:
        assert parts[0] == TextPart(THOUGHT)
        assert not any(isinstance(p, ReasoningPart) for p in parts)


def test_same_format_is_unchanged_and_redacted_reasoning_never_travels() -> None:
    messages, tools = conversation(FORMATS["anthropic_messages"])
    same = convert(messages, "anthropic_messages", "anthropic_messages", tools=tools)
    assert same.messages == tuple(messages) and same.changes == () and same.tool_ids == {}
    opaque = [Message("assistant", (ReasoningPart(redacted_data="EmwKAhgBEgy3va"), TextPart("ok")))]
    out = convert(opaque, "anthropic_messages", "gemini", reasoning="text")
    assert out.messages[0].parts == (TextPart("ok"),)


def test_ids_map_consistently_and_stay_unique() -> None:
    # Two ids that would collide if cut to nine characters, each used by a call and a result.
    a, b = "call_aaaaaaaaaaaa1", "call_aaaaaaaaaaaa2"
    messages = [
        Message("assistant", tool_calls=(ToolCall(a, "f", {}), ToolCall(b, "f", {}))),
        Message("tool", "1", tool_call_id=a),
        Message("tool", "2", tool_call_id=b),
    ]
    out = convert(messages, "openai_chat", rules_for("openai_chat", "mistral"))
    new_a, new_b = (c.id for c in out.messages[0].tool_calls)
    assert new_a != new_b and {new_a, new_b} == {out.messages[1].tool_call_id, out.messages[2].tool_call_id}
    assert all(MISTRAL_ID.pattern is not None and MISTRAL_ID.pattern.fullmatch(i) for i in (new_a, new_b))
    again = convert(messages, "openai_chat", rules_for("openai_chat", "mistral"))
    assert again.tool_ids == out.tool_ids  # deterministic: a retried fallback sends the same request


def test_bedrock_rule_is_botocores() -> None:
    import gzip
    from importlib.util import find_spec

    spec = find_spec("botocore")
    assert spec is not None and spec.origin is not None
    path = Path(spec.origin).parent / "data" / "bedrock-runtime" / "2023-09-30" / "service-2.json.gz"
    shape = json.loads(gzip.decompress(path.read_bytes()))["shapes"]["ToolUseId"]
    assert BEDROCK_ID.pattern is not None and BEDROCK_ID.pattern.pattern == shape["pattern"]
    assert (BEDROCK_ID.min_length, BEDROCK_ID.max_length) == (shape["min"], shape["max"])


def test_bad_reasoning_choice() -> None:
    with pytest.raises(ConfigurationError, match="reasoning must be"):
        convert([], "openai_chat", "gemini", reasoning="keep")  # type: ignore[arg-type]


def test_docs_table_is_the_rules() -> None:
    page = (Path(__file__).parents[2] / "docs" / "routing.md").read_text()
    assert pair_table() in page, "docs/routing.md: paste llmkit.router.convert.pair_table() again"


# The target side over loopback: provider, model, emulator profile, key.
TARGETS: dict[str, tuple[str, str]] = {
    "openai_chat": ("openai/gpt-4o-mini", "openai"),
    "anthropic_messages": ("anthropic/claude-sonnet-4-5", "anthropic"),
    "bedrock_converse": ("bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock"),
    "gemini": ("gemini/gemini-2.5-flash", "gemini"),
    "cohere": ("cohere/command-a-03-2025", "cohere"),
    "mistral": ("mistral/mistral-large-latest", "mistral"),
}


@pytest.mark.parametrize(("src", "dst"), PAIRS, ids=[f"{a.name}->{b.name}" for a, b in PAIRS])
def test_converted_conversation_is_accepted_by_the_target(
    src: FormatRules, dst: FormatRules, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, profile = TARGETS[dst.name]
    messages, tools = conversation(src)
    out = convert(messages, src, dst, tools=tools)
    key = BEDROCK_API_KEY if profile == "bedrock" else emu.api_key
    if profile == "bedrock":
        monkeypatch.setenv("AWS_REGION", "us-east-1")
    emu.script(Script(text="Tomorrow: rain."))
    with llmkit.Client(api_key=key, base_url=emu.base_url(profile)) as client:
        done = client.complete(model, list(out.messages), tools=list(out.tools or ()))
    assert done.text == "Tomorrow: rain."
    body = emu.requests[-1].body.decode()
    foreign = f"SIG-{src.name}-"
    assert (foreign in body) == (src.signatures is not None and src.signatures == dst.signatures)
    new_id = out.messages[2].tool_calls[0].id
    assert new_id in body or dst.name == "gemini"  # Gemini pairs results by name; ids are optional
    if not dst.tool_ids.valid(SOURCE_IDS[src.name]):
        assert not re.search(re.escape(SOURCE_IDS[src.name]), body)
    assert ("ephemeral" in body) == dst.cache_points or dst.name == "bedrock_converse"
