"""Cohere's wire format held against the official ``cohere`` SDK (7.x, test-only), both ways:
the SDK's client aimed at the emulator reads its chat, stream, embed and rerank answers with
its own response types; and for the same call llmkit and the SDK send the same body, each
message, tool and response format also parsed by the SDK's request types."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import CANARY_KEY

import llmkit
from llmkit.emulator import Emulator
from llmkit.emulator.script import Script, ScriptedCall

cohere = pytest.importorskip("cohere")
pydantic = pytest.importorskip("pydantic")

WEATHER = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}
DOCS = [
    {"id": "d1", "data": {"title": "Tall penguins", "snippet": "Emperor penguins are the tallest."}},
    {
        "id": "d2",
        "data": {"title": "Penguin habitats", "snippet": "Emperor penguins only live in Antarctica."},
    },
]


def sdk(emu: Emulator) -> Any:
    return cohere.ClientV2(api_key=CANARY_KEY, base_url=emu.base_url("cohere"), max_retries=0)


def kw(emu: Emulator, **extra: Any) -> dict[str, Any]:
    return {"api_key": CANARY_KEY, "base_url": emu.base_url("cohere"), "max_retries": 0, **extra}


def test_sdk_reads_the_emulators_chat_with_citations(emu: Emulator) -> None:
    out = sdk(emu).chat(
        model="command-a-03-2025",
        messages=[{"role": "user", "content": "Who are the tallest penguins?"}],
        documents=DOCS,
    )
    assert isinstance(out, cohere.V2ChatResponse)
    assert out.finish_reason == "COMPLETE" and out.message.content[0].text.startswith("Hello")
    cite = out.message.citations[0]
    assert cite.sources[0].id == "d1" and cite.text == out.message.content[0].text[cite.start : cite.end]
    assert out.usage.tokens.input_tokens > 0


def test_sdk_reads_the_emulators_stream(emu: Emulator) -> None:
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Toronto"}, id="call_1")]))
    kinds, args = [], ""
    for ev in sdk(emu).chat_stream(
        model="command-a-03-2025",
        messages=[{"role": "user", "content": "weather in Toronto?"}],
        tools=[{"type": "function", "function": {"name": "get_weather", "parameters": WEATHER}}],
    ):
        kinds.append(ev.type)
        if ev.type == "tool-call-delta":
            args += ev.delta.message.tool_calls.function.arguments
        if ev.type == "message-end":
            assert ev.delta.finish_reason == "TOOL_CALL" and ev.delta.usage.billed_units.output_tokens >= 1
    assert kinds[0] == "message-start" and kinds[-1] == "message-end"
    assert {"tool-plan-delta", "tool-call-start", "tool-call-delta", "tool-call-end"} <= set(kinds)
    assert args == '{"city":"Toronto"}'


def test_sdk_reads_the_emulators_stream_citations(emu: Emulator) -> None:
    kinds = [
        ev.type
        for ev in sdk(emu).chat_stream(
            model="command-a-03-2025", messages=[{"role": "user", "content": "penguins"}], documents=DOCS
        )
    ]
    assert "citation-start" in kinds and "content-delta" in kinds


@pytest.mark.parametrize("kind", ["float", "int8", "uint8", "binary", "ubinary", "base64"])
def test_sdk_reads_the_emulators_embeddings(emu: Emulator, kind: str) -> None:
    out = sdk(emu).embed(
        model="embed-v4.0", texts=["hello", "world"], input_type="search_query", embedding_types=[kind]
    )
    assert len(getattr(out.embeddings, kind)) == 2
    ours = llmkit.embed("cohere/embed-v4.0", ["hello", "world"], input_type="query", encoding=kind, **kw(emu))
    if kind == "float":
        assert ours.vectors == out.embeddings.float_
    elif kind != "base64":
        assert ours.vectors == getattr(out.embeddings, kind)


def test_sdk_reads_the_emulators_rerank(emu: Emulator) -> None:
    docs = ["cats purr", "dogs bark loudly", "the dog barks"]
    out = sdk(emu).rerank(model="rerank-v3.5", query="dog barks", documents=docs, top_n=2)
    ours = llmkit.rerank("cohere/rerank-v3.5", "dog barks", docs, top_n=2, **kw(emu))
    assert [r.index for r in out.results] == ours.indices
    assert [r.relevance_score for r in out.results] == [r.relevance_score for r in ours.results]


def _bodies(emu: Emulator) -> tuple[dict[str, Any], dict[str, Any]]:
    a, b = emu.requests[-2], emu.requests[-1]
    assert a.path == b.path
    return a.json(), b.json()


def test_same_chat_body_as_the_sdk(emu: Emulator) -> None:
    history = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "weather in Toronto?"},
        {
            "role": "assistant",
            "tool_plan": "I will look up the weather.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Toronto"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "-5C, snow"},
    ]
    tools = [
        {
            "type": "function",
            "function": {"name": "get_weather", "description": "Weather", "parameters": WEATHER},
        }
    ]
    sdk(emu).chat(
        model="command-a-03-2025", messages=history, tools=tools, temperature=0.2, max_tokens=50,
        stop_sequences=["END"], tool_choice="REQUIRED", documents=DOCS, seed=7,
    )  # fmt: skip
    ours_history = [
        llmkit.Message("system", "Be brief."),
        llmkit.Message("user", "weather in Toronto?"),
        llmkit.Message(
            "assistant",
            (llmkit.ReasoningPart("I will look up the weather."),),
            (llmkit.ToolCall("call_1", "get_weather", '{"city":"Toronto"}'),),
        ),
        llmkit.Message("tool", "-5C, snow", tool_call_id="call_1"),
    ]
    llmkit.complete(
        "cohere/command-a-03-2025", ours_history,
        tools=[llmkit.Tool("get_weather", "Weather", WEATHER)], temperature=0.2, max_tokens=50,
        stop=["END"], tool_choice="required", documents=DOCS, seed=7, **kw(emu),
    )  # fmt: skip
    theirs, ours = _bodies(emu)
    assert ours == theirs
    adapter = pydantic.TypeAdapter(list[cohere.ChatMessageV2])
    parsed = adapter.validate_python(ours["messages"])
    assert [type(m).__name__ for m in parsed] == [
        "SystemChatMessageV2",
        "UserChatMessageV2",
        "AssistantChatMessageV2",
        "ToolChatMessageV2",
    ]
    assert parsed[2].tool_plan == "I will look up the weather."
    pydantic.TypeAdapter(list[cohere.ToolV2]).validate_python(ours["tools"])


def test_same_structured_output_body_as_the_sdk(emu: Emulator) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    sdk(emu).chat(
        model="command-a-03-2025",
        messages=[{"role": "user", "content": "json please"}],
        response_format={"type": "json_object", "json_schema": schema},
    )
    out = llmkit.complete("cohere/command-a-03-2025", "json please", response_format=schema, **kw(emu))
    theirs, ours = _bodies(emu)
    assert ours == theirs
    fmt = pydantic.TypeAdapter(cohere.ResponseFormatV2).validate_python(ours["response_format"])
    assert type(fmt).__name__ == "JsonObjectResponseFormatV2"
    assert isinstance(out.parsed, dict) and type(out.parsed["a"]) is int


def test_same_stream_body_as_the_sdk(emu: Emulator) -> None:
    list(sdk(emu).chat_stream(model="command-a-03-2025", messages=[{"role": "user", "content": "hi"}]))
    with llmkit.stream("cohere/command-a-03-2025", "hi", **kw(emu)) as s:
        text = "".join(s.text_stream())
    theirs, ours = _bodies(emu)
    assert ours == theirs and text.startswith("Hello")


@pytest.mark.parametrize("encoding", ["float", "int8", "binary"])
def test_same_embed_body_as_the_sdk(emu: Emulator, encoding: str) -> None:
    sdk(emu).embed(
        model="embed-v4.0", texts=["a", "b"], input_type="search_document", embedding_types=[encoding],
        output_dimension=256, truncate="END",
    )  # fmt: skip
    llmkit.embed(
        "cohere/embed-v4.0", ["a", "b"], input_type="document", encoding=encoding, dimensions=256,
        truncate="END", **kw(emu),
    )  # fmt: skip
    theirs, ours = _bodies(emu)
    assert ours == theirs


def test_same_rerank_body_as_the_sdk(emu: Emulator) -> None:
    sdk(emu).rerank(model="rerank-v3.5", query="q", documents=["a", "b"], top_n=1, max_tokens_per_doc=100)
    llmkit.rerank("cohere/rerank-v3.5", "q", ["a", "b"], top_n=1, max_tokens_per_doc=100, **kw(emu))
    theirs, ours = _bodies(emu)
    assert ours == theirs
