"""Responses recorded in OpenAI's own API reference (``tests/fixtures/openai/``, each with a
``.source.md``) must decode to the exact Completion / Embeddings they describe: once through the
dialect alone (bytes in, dataclasses out), once through the public API with the emulator
replaying the recorded bytes verbatim."""

from __future__ import annotations

import asyncio
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import llmkit
from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest
from llmkit.dialects.openai_chat import DIALECT
from llmkit.emulator import PROFILES, Emulator, EmuRequest, Profile, Reply
from llmkit.providers import get_spec
from llmkit.types import Finish, FinishReason, Message, TextDelta, ToolCall, Usage
from llmkit.wire import HttpResponse

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "openai"


@dataclass(frozen=True)
class Expected:
    id: str | None
    model: str
    text: str
    tool_calls: tuple[ToolCall, ...]
    finish: FinishReason
    raw_finish: str
    usage: Usage


CHAT = {
    "chat_completion.json": Expected(
        "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "gpt-5.4",
        "Hello! How can I assist you today?",
        (),
        FinishReason.STOP,
        "stop",
        Usage(input_tokens=19, output_tokens=10, total_tokens=29),
    ),
    "chat_completion_image_input.json": Expected(
        "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
        "gpt-5.4",
        "The image shows a wooden boardwalk path running through a lush green field or meadow. The sky is "
        "bright blue with some scattered clouds, giving the scene a serene and peaceful atmosphere. Trees "
        "and shrubs are visible in the background.",
        (),
        FinishReason.STOP,
        "stop",
        Usage(input_tokens=1117, output_tokens=46, total_tokens=1163),
    ),
    "chat_completion_tool_call.json": Expected(
        "chatcmpl-abc123",
        "gpt-4o-mini",
        "",
        # The arguments string is kept verbatim, newlines and all.
        (ToolCall("call_abc123", "get_current_weather", '{\n"location": "Boston, MA"\n}'),),
        FinishReason.TOOL_CALLS,
        "tool_calls",
        Usage(input_tokens=82, output_tokens=17, total_tokens=99),
    ),
    "chat_completion_logprobs.json": Expected(
        "chatcmpl-123",
        "gpt-4o-mini",
        "Hello! How can I assist you today?",
        (),
        FinishReason.STOP,
        "stop",
        Usage(input_tokens=9, output_tokens=9, total_tokens=18),
    ),
}
# The documented stream has no usage chunk (the request did not ask for one).
STREAM = {
    "chat_completion_stream.sse": Expected(
        "chatcmpl-123", "gpt-4o-mini", "Hello", (), FinishReason.STOP, "stop", Usage()
    ),
}
EMBEDDING_VECTOR = [0.0023064255, -0.009327292, -0.0028842222]


def _ctx(model: str = "gpt-4o-mini") -> CallContext:
    return CallContext(get_spec("openai"), model, "https://api.openai.com/v1")


def _check(done: llmkit.Completion, want: Expected) -> None:
    assert done.provider == "openai"
    assert (done.id, done.model) == (want.id, want.model)
    assert done.text == want.text
    assert done.tool_calls == list(want.tool_calls)
    assert [c.raw_arguments for c in done.tool_calls] == [c.raw_arguments for c in want.tool_calls]
    assert [c.arguments for c in done.tool_calls] == [c.arguments for c in want.tool_calls]
    assert (done.finish_reason, done.raw_finish_reason) == (want.finish, want.raw_finish)
    assert done.usage == want.usage
    assert done.message.role == "assistant"


def test_every_fixture_has_a_source_note_and_an_expectation() -> None:
    names = {p.name for p in FIXTURES.iterdir() if not p.name.endswith(".source.md")}
    assert names == {*CHAT, *STREAM, "embeddings.json"}
    for name in names:
        note = (FIXTURES / f"{name}.source.md").read_text()
        assert "openapi.yaml" in note and "x-oaiMeta" in note


# ---------------------------------------------------------------- through the dialect alone


@pytest.mark.parametrize("name", CHAT)
def test_dialect_decodes_documented_completion(name: str) -> None:
    body = (FIXTURES / name).read_bytes()
    resp = HttpResponse(200, {"content-type": "application/json"}, body)
    done = DIALECT.parse_chat(resp, ChatRequest("gpt-4o-mini", [Message("user", "Hello!")]), _ctx())
    _check(done, CHAT[name])
    assert done.raw["object"] == "chat.completion"


@pytest.mark.parametrize("piece", [0, 1, 7], ids=["whole", "byte_by_byte", "7_bytes"])
def test_dialect_decodes_documented_stream(piece: int) -> None:
    data = (FIXTURES / "chat_completion_stream.sse").read_bytes()
    req = ChatRequest("gpt-4o-mini", [Message("user", "Hello!")], stream=True)
    decoder = DIALECT.stream_decoder(req, _ctx())
    size = piece or len(data)
    events = [ev for i in range(0, len(data), size) for ev in decoder.feed(data[i : i + size])]
    # The first chunk's empty content and role carry no event.
    assert events == [TextDelta("Hello"), Finish(FinishReason.STOP, "stop")]
    assert decoder.done
    assert (decoder.response_id, decoder.response_model) == ("chatcmpl-123", "gpt-4o-mini")
    # .raw keeps the first chunk and those carrying more than a content delta (here the finish);
    # plain content chunks are not retained, so a long stream does not pile up in memory.
    assert [c["choices"][0]["finish_reason"] for c in decoder.raw_events] == [None, "stop"]


def test_dialect_decodes_documented_embeddings() -> None:
    body = (FIXTURES / "embeddings.json").read_bytes()
    req = EmbedRequest("text-embedding-ada-002", ["The food was delicious and the waiter..."])
    got = DIALECT.parse_embed(HttpResponse(200, {}, body), req, _ctx("text-embedding-ada-002"))
    assert got.vectors == [EMBEDDING_VECTOR]
    assert got.usage == Usage(input_tokens=8, total_tokens=8)
    assert (got.model, got.provider) == ("text-embedding-ada-002", "openai")


# ---------------------------------------------------------------- through the public API, replayed


REPLAY = "openai_docs_replay"


def _replay(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    """Answer with the fixture the request names in ``x-fixture``, byte for byte."""
    if req.headers.get("authorization") != f"Bearer {emu.api_key}":
        return Reply(401, {"content-type": "application/json"}, b'{"error": "bad key in replay"}')
    name = req.headers["x-fixture"]
    data = (FIXTURES / name).read_bytes()
    if name.endswith(".sse"):
        events = [event + b"\n\n" for event in data.split(b"\n\n") if event.strip()]
        return Reply(200, {"content-type": "text/event-stream"}, chunks=events)
    return Reply(200, {"content-type": "application/json", "x-request-id": "req_docs"}, data)


@pytest.fixture
def replay(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A profile serving the fixtures, registered only for this test."""
    module = types.ModuleType("llmkit_tests_openai_docs_replay")
    module.handle = _replay  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(PROFILES, REPLAY, Profile(REPLAY, f"{module.__name__}:handle"))
    yield {"base_url": emu.base_url(REPLAY), "api_key": emu.api_key, "max_retries": 0}


@pytest.mark.parametrize("name", CHAT)
def test_public_api_decodes_replayed_completion(emu: Emulator, replay: dict[str, Any], name: str) -> None:
    done = llmkit.complete("openai/gpt-4o-mini", "Hello!", extra_headers={"x-fixture": name}, **replay)
    _check(done, CHAT[name])
    assert emu.requests[-1].path == "/v1/chat/completions"


def test_public_api_decodes_replayed_stream(emu: Emulator, replay: dict[str, Any]) -> None:
    name = "chat_completion_stream.sse"
    with llmkit.stream("openai/gpt-4o-mini", "Hello!", extra_headers={"x-fixture": name}, **replay) as s:
        events = list(s)
    assert events == [TextDelta("Hello"), Finish(FinishReason.STOP, "stop")]
    _check(s.completion, STREAM[name])


def test_async_public_api_decodes_replayed_stream(emu: Emulator, replay: dict[str, Any]) -> None:
    name = "chat_completion_stream.sse"

    async def main() -> llmkit.Completion:
        # An own client, closed inside the loop that opened its HTTP session.
        async with llmkit.AsyncClient() as client:
            async with client.stream(
                "openai/gpt-4o-mini", "Hello!", extra_headers={"x-fixture": name}, **replay
            ) as s:
                async for _ in s:
                    pass
            return s.completion

    _check(asyncio.run(main()), STREAM[name])


def test_public_api_decodes_replayed_embeddings(emu: Emulator, replay: dict[str, Any]) -> None:
    got = llmkit.embed(
        "openai/text-embedding-ada-002",
        "The food was delicious and the waiter...",
        extra_headers={"x-fixture": "embeddings.json"},
        **replay,
    )
    assert got.vectors == [EMBEDDING_VECTOR]
    assert got.usage == Usage(input_tokens=8, total_tokens=8)
    assert got.model == "text-embedding-ada-002"
    assert emu.requests[-1].path == "/v1/embeddings"


def test_replay_profile_is_gone_after_the_test() -> None:
    assert REPLAY not in PROFILES
