"""A fallback to a deployment of another wire format sends the conversation converted for it:
an Anthropic conversation (signed thinking, tool calls with ids, cache points) routed to an
OpenAI deployment after the Anthropic one fails, sync and async; what reached the wire is read
from the emulator's recorded requests, and the decision trace lists what was changed."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from tests.conftest import CANARY_KEY

from llmkit import Message, ReasoningPart, TextPart, Tool, ToolCall
from llmkit.emulator import Emulator, Script, ScriptedError
from llmkit.emulator.anthropic._signature import sign
from llmkit.router import AsyncRouter, Router

THOUGHT = "The user wants two cities: call the tool twice."
# A signature the Anthropic emulator verifies (as Anthropic verifies its own).
SIGNATURE = sign(THOUGHT)
# A tool-call id longer than OpenAI's 40 characters, as another format may have made it.
LONG_ID = "toolu_" + "A" * 48
SHORT_ID = "toolu_01A09q90qw90lq917835lq9"

HISTORY = [
    Message("user", (TextPart("Weather in Paris and Rome?", cache_control={"type": "ephemeral"}),)),
    Message(
        "assistant",
        (
            ReasoningPart(THOUGHT, signature=SIGNATURE),
            TextPart("Checking."),
        ),
        tool_calls=(
            ToolCall(SHORT_ID, "get_weather", {"city": "Paris"}),
            ToolCall(LONG_ID, "get_weather", {"city": "Rome"}),
        ),
    ),
    Message("tool", "18C and sunny", tool_call_id=SHORT_ID),
    Message("tool", "21C and cloudy", tool_call_id=LONG_ID),
]
TOOLS = [Tool("get_weather", "The weather in a city", cache_control={"type": "ephemeral"})]


def model_list(emu: Emulator) -> list[dict[str, Any]]:
    return [
        {
            "model_name": "claude",
            "model": "anthropic/claude-x",
            "api_key": CANARY_KEY,
            "base_url": emu.base_url("anthropic"),
        },
        {
            "model_name": "gpt",
            "model": "openai/gpt-4o-mini",
            "api_key": CANARY_KEY,
            "base_url": emu.base_url("openai"),
        },
    ]


def routed(mode: str, emu: Emulator, stream: bool, **kw: Any) -> Any:
    options: dict[str, Any] = {"fallbacks": {"claude": ["gpt"]}}
    options.update(kw.pop("router", {}))
    if mode == "sync":
        with Router(model_list(emu), **options) as router:
            if not stream:
                return router.complete("claude", HISTORY, tools=TOOLS, **kw)
            with router.stream("claude", HISTORY, tools=TOOLS, **kw) as s:
                s.completion  # noqa: B018  (drained)
                return s

    async def go() -> Any:
        async with AsyncRouter(model_list(emu), **options) as router:
            if not stream:
                return await router.complete("claude", HISTORY, tools=TOOLS, **kw)
            async with router.stream("claude", HISTORY, tools=TOOLS, **kw) as s:
                await s.get_completion()
                return s

    return asyncio.run(go())


CASES = pytest.mark.parametrize(
    ("mode", "stream"), [("sync", False), ("sync", True), ("async", False), ("async", True)]
)


def _sent(emu: Emulator) -> tuple[dict[str, Any], dict[str, Any]]:
    assert [r.full_path.split("/")[1] for r in emu.requests] == ["anthropic", "openai"]
    return emu.requests[0].json(), emu.requests[1].json()


@CASES
def test_an_anthropic_conversation_reaches_openai_converted(mode: str, stream: bool, emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(500)), Script(text="Paris 18C, Rome 21C"))
    result = routed(mode, emu, stream)
    first, second = _sent(emu)
    # The Anthropic deployment got the conversation as written: signed thinking, ids, cache points.
    thinking = first["messages"][1]["content"][0]
    assert thinking["type"] == "thinking" and thinking["signature"] == SIGNATURE
    assert [b["id"] for b in first["messages"][1]["content"] if b["type"] == "tool_use"] == [
        SHORT_ID,
        LONG_ID,
    ]
    assert "cache_control" in json.dumps(first)

    # The OpenAI deployment: no reasoning or signature, ids it accepts, paired, no cache markers.
    wire = json.dumps(second)
    assert SIGNATURE not in wire and "call the tool twice" not in wire and "cache_control" not in wire
    assistant = second["messages"][1]
    assert assistant["role"] == "assistant" and assistant["content"] == "Checking."
    ids = [c["id"] for c in assistant["tool_calls"]]
    assert ids[0] == SHORT_ID  # valid for OpenAI: kept
    assert ids[1] != LONG_ID and len(ids[1]) <= 40 and ids[1].startswith("call_")
    assert [m["tool_call_id"] for m in second["messages"][2:]] == ids
    assert [json.loads(c["function"]["arguments"]) for c in assistant["tool_calls"]] == [
        {"city": "Paris"},
        {"city": "Rome"},
    ]

    route = result.route
    assert route.deployment == "gpt#1" and route.fallbacks == 1
    kinds = [s.kind for s in route.steps]
    assert kinds.index("fail") < kinds.index("convert") < kinds.index("ok")
    changes = [s.reason for s in route.steps if s.kind == "convert"]
    assert all(c.startswith("anthropic_messages -> openai_chat: ") for c in changes)
    text = " | ".join(changes)
    assert (
        "1 tool-call id(s) replaced" in text and "1 reasoning part(s) from anthropic_messages dropped" in text
    )
    assert "2 cache point(s) removed" in text
    assert all(s.deployment == "gpt#1" for s in route.steps if s.kind == "convert")
    assert CANARY_KEY not in repr(route)


@pytest.mark.parametrize("where", ["router", "call"])
def test_reasoning_as_text_on_request(where: str, emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(500)), Script(text="ok"))
    kw: dict[str, Any] = (
        {"router": {"fallback_reasoning": "text"}} if where == "router" else {"fallback_reasoning": "text"}
    )
    result = routed("sync", emu, False, **kw)
    _, second = _sent(emu)
    content = second["messages"][1]["content"]
    assert "call the tool twice" in json.dumps(content) and SIGNATURE not in json.dumps(second)
    assert any("sent as plain text" in s.reason for s in result.route.steps if s.kind == "convert")


def test_same_format_is_sent_as_passed_and_messages_format_names_the_source(emu: Emulator) -> None:
    # The Anthropic deployment answers: nothing converted, no convert step.
    emu.script(Script(text="fine"))
    result = routed("sync", emu, False)
    assert [s.kind for s in result.route.steps] == ["ok"]
    assert emu.requests[0].json()["messages"][1]["content"][0]["signature"] == SIGNATURE
    emu.requests.clear()
    # The caller says the history was written for OpenAI: the Anthropic deployment then gets
    # it converted (OpenAI-made reasoning carries no signature Anthropic could verify).
    emu.script(Script(text="fine"))
    result = routed("sync", emu, False, messages_format="openai")
    steps = [s.reason for s in result.route.steps if s.kind == "convert"]
    assert steps and all(s.startswith("openai_chat -> anthropic_messages") for s in steps)
    assert SIGNATURE not in json.dumps(emu.requests[0].json())


def test_a_bad_option_is_a_configuration_error(emu: Emulator) -> None:
    from llmkit.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="fallback_reasoning"):
        Router(model_list(emu), fallback_reasoning="keep")
    with Router(model_list(emu)) as router, pytest.raises(ConfigurationError, match="messages_format"):
        router.complete("claude", HISTORY, messages_format="")
