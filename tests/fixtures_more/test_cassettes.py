"""Recorded live exchanges decoded through llmkit: go-vcr cassettes from charmbracelet/fantasy
(``tests/fixtures/<provider>/fantasy_*.yaml``) and vcrpy cassettes from pydantic/pydantic-ai
(``pydantic_ai_*.yaml``), each copied unchanged: each response body through the
OpenAI dialect with that provider's own spec, and again through the public API (sync and async) with
the emulator replaying the recorded bytes. What each answer should decode to is read from the
recorded JSON here, independently of the dialect: the text, the tool calls, the reasoning, the
finish reason and the token counts."""

from __future__ import annotations

import asyncio
import json
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

import llmkit
from llmkit._stream import Accumulator
from llmkit.dialects.base import CallContext, ChatRequest
from llmkit.dialects.openai_chat import DIALECT
from llmkit.emulator import PROFILES, Emulator, EmuRequest, Profile, Reply
from llmkit.providers import get_spec
from llmkit.types import Completion, Message
from llmkit.wire import HttpResponse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FANTASY = [  # a tool call and the answer after its result; the same two exchanges streamed
    "cerebras/fantasy_tool.yaml",
    "cerebras/fantasy_tool_streaming.yaml",
    "groq/fantasy_tool.yaml",
    "groq/fantasy_tool_streaming.yaml",
    "huggingface/fantasy_tool.yaml",
    "huggingface/fantasy_tool_streaming.yaml",
    "llamacpp/fantasy_tool.yaml",
    "llamacpp/fantasy_tool_streaming.yaml",
    "zai/fantasy_tool.yaml",
    "zai/fantasy_tool_streaming.yaml",
    "vercel_ai_gateway/fantasy_tool.yaml",
    "vercel_ai_gateway/fantasy_tool_streaming.yaml",
]
PYDANTIC_AI = {  # cassette -> its number of exchanges
    "deepseek/pydantic_ai_deepseek_model_thinking_part.yaml": 1,
    "deepseek/pydantic_ai_deepseek_model_thinking_stream.yaml": 1,
    "crusoe/pydantic_ai_crusoe_tool_calling.yaml": 2,
    "crusoe/pydantic_ai_crusoe_model_streaming.yaml": 1,
}
CASSETTES = [*FANTASY, *PYDANTIC_AI]
# Fantasy's: the tool call, then the answer after the tool result.
EXCHANGES = [(c, i) for c in FANTASY for i in (0, 1)]
EXCHANGES += [(c, i) for c, n in PYDANTIC_AI.items() for i in range(n)]


@cache
def _interactions(cassette: str) -> list[dict[str, Any]]:
    doc = yaml.safe_load((FIXTURES / cassette).read_text(encoding="utf-8"))
    out: list[dict[str, Any]] = doc["interactions"]
    return out


def _body(cassette: str, index: int) -> tuple[bytes, bool]:
    """The recorded response body and whether it is a stream. go-vcr keeps the body as a string;
    pydantic-ai's vcrpy serializer keeps a JSON body parsed (``parsed_body``, dumped back here) and
    a stream as ``body.string``."""
    answer = _interactions(cassette)[index]["response"]
    status = answer["code"] if "code" in answer else answer["status"]["code"]
    assert status == 200
    headers = {k.lower(): v for k, v in answer["headers"].items()}
    stream = headers["content-type"][0].startswith("text/event-stream")
    if "parsed_body" in answer:
        return json.dumps(answer["parsed_body"]).encode("utf-8"), stream
    body = answer["body"]
    return (body["string"] if isinstance(body, dict) else body).encode("utf-8"), stream


@dataclass
class Expected:
    text: str = ""
    reasoning: str = ""
    calls: dict[int, list[str]] = field(default_factory=dict)  # index -> [id, name, arguments]
    finish: str | None = None
    tokens: tuple[int, int] | None = None


def _message_part(exp: Expected, part: dict[str, Any]) -> None:
    exp.text += part.get("content") or ""
    exp.reasoning += part.get("reasoning_content") or part.get("reasoning") or ""
    for n, call in enumerate(part.get("tool_calls") or []):
        slot = exp.calls.setdefault(call.get("index", n), ["", "", ""])
        fn = call.get("function") or {}
        slot[0] = slot[0] or call.get("id") or ""
        slot[1] = slot[1] or fn.get("name") or ""
        slot[2] += fn.get("arguments") or ""


def _expected(data: bytes, stream: bool) -> Expected:
    """What the recorded JSON says, read without llmkit."""
    exp = Expected()
    if stream:
        chunks = [json.loads(line[6:]) for line in data.decode().splitlines() if line.startswith("data: {")]
    else:
        one = json.loads(data)
        one["choices"] = [{**c, "delta": c["message"]} for c in one["choices"]]
        chunks = [one]
    for chunk in chunks:
        for choice in chunk.get("choices") or []:
            _message_part(exp, choice.get("delta") or {})
            exp.finish = choice.get("finish_reason") or exp.finish
        use = chunk.get("usage") or (chunk.get("x_groq") or {}).get("usage")
        if use:
            exp.tokens = (use["prompt_tokens"], use["completion_tokens"])
    return exp


def _decode(provider: str, data: bytes, stream: bool) -> Completion:
    ctx = CallContext(get_spec(provider), "m", "https://provider.invalid/v1")
    req = ChatRequest("m", [Message("user", "Weather in Florence?")], stream=stream)
    if not stream:
        return DIALECT.parse_chat(HttpResponse(200, {"content-type": "application/json"}, data), req, ctx)
    decoder = DIALECT.stream_decoder(req, ctx)
    acc = Accumulator()
    for i in range(0, len(data), 113):  # odd-sized pieces: events split across reads
        for ev in decoder.feed(data[i : i + 113]):
            acc.add(ev)
    return acc.build(decoder, provider, "m")


def _same(c: Completion, exp: Expected) -> None:
    assert c.text == exp.text
    assert (c.message.reasoning or "") == exp.reasoning
    calls = [exp.calls[k] for k in sorted(exp.calls)]
    assert [(t.id, t.name, t.arguments) for t in c.tool_calls] == [
        (i, n, json.loads(a) if a else {}) for i, n, a in calls
    ]
    assert c.raw_finish_reason == exp.finish
    assert exp.tokens is not None, "every recorded answer here reports its usage"
    assert (c.usage.input_tokens, c.usage.output_tokens) == exp.tokens


@pytest.mark.parametrize(("cassette", "index"), EXCHANGES)
def test_recorded_answer_decodes_as_recorded(cassette: str, index: int) -> None:
    provider = cassette.split("/")[0]
    data, stream = _body(cassette, index)
    assert stream == cassette.endswith(("_streaming.yaml", "_stream.yaml"))
    _same(_decode(provider, data, stream), _expected(data, stream))


@pytest.mark.parametrize("cassette", FANTASY)
def test_the_recorded_exchange_is_a_tool_loop(cassette: str) -> None:
    """The first answer asks for the weather tool, the second answers in text after its result."""
    first, second = (_expected(*_body(cassette, i)) for i in (0, 1))
    assert first.calls and all(name == "weather" for _, name, _ in first.calls.values())
    assert first.finish == "tool_calls"
    assert second.text and not second.calls and second.finish == "stop"


def test_every_cassette_has_its_source_note_and_no_credential() -> None:
    for cassette in CASSETTES:
        path = FIXTURES / cassette
        note = path.with_name(path.name + ".source.md").read_text(encoding="utf-8")
        assert "Changed: nothing" in note
        assert "charmbracelet/fantasy@" in note or "pydantic/pydantic-ai@" in note
        for interaction in _interactions(cassette):
            sent = {k.lower() for k in interaction["request"]["headers"]}
            assert not sent & {"authorization", "x-api-key", "api-key"}, cassette


# ---------------------------------------------------------------- through the public API

REPLAY = "fixtures_more_cassette_replay"


def _replay(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    """Answers with the recorded body named in ``x-cassette`` (``provider/file#index``), verbatim."""
    cassette, _, index = req.headers["x-cassette"].partition("#")
    data, stream = _body(cassette, int(index))
    if stream:
        events = [event + b"\n\n" for event in data.split(b"\n\n") if event.strip()]
        return Reply(200, {"content-type": "text/event-stream"}, chunks=events)
    return Reply(200, {"content-type": "application/json"}, data)


@pytest.fixture
def replay(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    module = types.ModuleType("llmkit_tests_cassette_replay")
    module.handle = _replay  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(PROFILES, REPLAY, Profile(REPLAY, f"{module.__name__}:handle"))
    yield {"base_url": emu.base_url(REPLAY), "api_key": "sk-replay-key-000000", "max_retries": 0}


def _public(provider: str, tag: str, stream: bool, opts: dict[str, Any]) -> Completion:
    headers = {"x-cassette": tag}
    if not stream:
        return llmkit.complete(f"{provider}/m", "Weather in Florence?", extra_headers=headers, **opts)
    with llmkit.stream(f"{provider}/m", "Weather in Florence?", extra_headers=headers, **opts) as s:
        list(s)
        return s.completion


async def _apublic(provider: str, tag: str, stream: bool, opts: dict[str, Any]) -> Completion:
    model, prompt, headers = f"{provider}/m", "Weather in Florence?", {"x-cassette": tag}
    async with llmkit.AsyncClient() as client:
        if not stream:
            return await client.complete(model, prompt, extra_headers=headers, **opts)
        async with client.stream(model, prompt, extra_headers=headers, **opts) as s:
            async for _ in s:
                pass
            return s.completion


@pytest.mark.parametrize(("cassette", "index"), EXCHANGES)
def test_public_api_reads_the_replayed_answer(replay: dict[str, Any], cassette: str, index: int) -> None:
    provider = cassette.split("/")[0]
    data, stream = _body(cassette, index)
    exp = _expected(data, stream)
    tag = f"{cassette}#{index}"
    _same(_public(provider, tag, stream, replay), exp)
    _same(asyncio.run(_apublic(provider, tag, stream, replay)), exp)
