"""Responses recorded from the providers' live APIs by people outside this project (each fixture's
``.source.md`` names repo@commit:path), decoded through the OpenAI dialect with the row's own spec
and quirks, and once more through the public API with the emulator replaying the bytes verbatim.

Vercel's AI SDK keeps a stream as ``.chunks.txt``: one chunk's JSON a line, which its tests frame as
``data: <line>`` events closed by ``data: [DONE]``. The file is kept as recorded and framed the
same way here (``_sse``), so the bytes under test are the provider's."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.fleet.test_fixtures import decode_error

import llmkit
from llmkit import errors
from llmkit._stream import Accumulator
from llmkit.dialects.base import CallContext, ChatRequest
from llmkit.dialects.openai_chat import DIALECT
from llmkit.emulator import PROFILES, Emulator, EmuRequest, Profile, Reply
from llmkit.providers import get_spec
from llmkit.types import Completion, FinishReason, Message
from llmkit.wire import HttpResponse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _sse(chunks_txt: bytes) -> bytes:
    lines = [line for line in chunks_txt.splitlines() if line.strip()]
    return b"".join(b"data: " + line + b"\n\n" for line in lines) + b"data: [DONE]\n\n"


def _bytes(provider: str, name: str) -> bytes:
    path = FIXTURES / provider / name
    if name.startswith("llama_stack_"):
        return _llama_stack_wire(path)
    data = path.read_bytes()
    return _sse(data) if name.endswith(".chunks.txt") else data


def _is_stream(provider: str, name: str) -> bool:
    return name.endswith(".chunks.txt") or b"chat.completion.chunk" in _bytes(provider, name)[:400]


def decode(provider: str, name: str, model: str = "requested-model") -> Completion:
    data = _bytes(provider, name)
    ctx = CallContext(get_spec(provider), model, "https://provider.invalid/v1")
    if not _is_stream(provider, name):
        req = ChatRequest(model, [Message("user", "Hi")])
        return DIALECT.parse_chat(HttpResponse(200, {"content-type": "application/json"}, data), req, ctx)
    req = ChatRequest(model, [Message("user", "Hi")], stream=True)
    decoder = DIALECT.stream_decoder(req, ctx)
    acc = Accumulator()
    for i in range(0, len(data), 89):  # odd-sized pieces: events split across reads
        for ev in decoder.feed(data[i : i + 89]):
            acc.add(ev)
    return acc.build(decoder, provider, model)


def usage(c: Completion) -> tuple[int, int, int]:
    return c.usage.input_tokens, c.usage.output_tokens, c.usage.total_tokens


# ---------------------------------------------------------------- Moonshot (Kimi), via vercel/ai


def test_moonshot_recorded_reasoning_with_cached_prompt() -> None:
    c = decode("moonshot", "vercel_usage_live.json")
    assert c.text == "OK"
    assert c.message.reasoning.startswith("We need answer exactly OK.")
    assert (c.finish_reason, c.raw_finish_reason) == (FinishReason.STOP, "stop")
    assert usage(c) == (90, 34, 124)
    assert (c.usage.cached_input_tokens, c.usage.reasoning_tokens) == (90, 17)
    assert (c.id, c.model) == ("chatcmpl-16d8646e-d5e3-9a7b-a9f3-643d7124f8b4", "kimi-k3")


def test_moonshot_recorded_tool_call_with_reasoning() -> None:
    c = decode("moonshot", "vercel_metadata_live.json")
    assert c.text == ""
    assert c.message.reasoning.endswith('Let me call it with "Paris".')
    [call] = c.tool_calls
    assert (call.id, call.name, call.arguments) == ("get_weather_0", "get_weather", {"city": "Paris"})
    assert (c.finish_reason, c.raw_finish_reason) == (FinishReason.TOOL_CALLS, "tool_calls")
    assert usage(c) == (191, 97, 288)
    assert c.usage.reasoning_tokens == 44


def test_moonshot_recorded_reasoning_stream_usage_on_the_choice_and_after() -> None:
    """Moonshot puts usage on the finishing choice and again on a choice-less last chunk; it is
    counted once."""
    c = decode("moonshot", "vercel_usage_live.chunks.txt")
    assert c.text == "OK"
    assert c.message.reasoning == (
        'The user is asking me to reply with exactly "OK". This is a simple request with no '
        'ambiguity. I should just respond with "OK" and nothing else.'
    )
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (90, 50, 140)
    assert (c.usage.cached_input_tokens, c.usage.reasoning_tokens) == (90, 33)


def test_moonshot_recorded_tool_call_stream() -> None:
    c = decode("moonshot", "vercel_metadata_live.chunks.txt")
    assert c.text == ""
    assert c.message.reasoning.startswith("User explicitly asks use get_weather.")
    [call] = c.tool_calls
    assert (call.id, call.name, call.arguments) == ("get_weather_0", "get_weather", {"city": "Paris"})
    assert c.finish_reason is FinishReason.TOOL_CALLS
    assert usage(c) == (213, 99, 312)
    assert (c.usage.cached_input_tokens, c.usage.reasoning_tokens) == (213, 46)


def test_moonshot_recorded_unknown_model_is_not_found() -> None:
    err = decode_error("moonshot", "vercel_error_live_message_only.json", 404, "application/json")
    assert isinstance(err, errors.NotFoundError)
    assert err.error_type == "resource_not_found_error"
    assert "Not found the model issue-19552-invalid-model" in err.message


# ---------------------------------------------------------------- through the public API

COMPLETIONS = [
    "moonshot/vercel_usage_live.json",
    "moonshot/vercel_metadata_live.json",
    "vllm/llama_stack_tool_call_744052775cf9.json",
]
STREAMS = [
    "moonshot/vercel_usage_live.chunks.txt",
    "moonshot/vercel_metadata_live.chunks.txt",
    "vllm/llama_stack_tool_call_stream_65eba1be095a.json",
    "vllm/llama_stack_reasoning_stream_d1edbcabe604.json",
]


REPLAY = "refs_b_fixture_replay"


def _replay(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    """Answers with the fixture named in ``x-fixture`` (``provider/file``), a stream event by event."""
    provider, name = req.headers["x-fixture"].split("/", 1)
    data = _bytes(provider, name)
    if not _is_stream(provider, name):
        return Reply(200, {"content-type": "application/json"}, data)
    events = [event + b"\n\n" for event in data.split(b"\n\n") if event.strip()]
    return Reply(200, {"content-type": "text/event-stream"}, chunks=events)


@pytest.fixture
def replay(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    module = types.ModuleType("llmkit_tests_refs_b_replay")
    module.handle = _replay  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(PROFILES, REPLAY, Profile(REPLAY, f"{module.__name__}:handle"))
    yield {"base_url": emu.base_url(REPLAY), "api_key": "sk-replay-key-000000", "max_retries": 0}


@pytest.mark.parametrize("fixture", COMPLETIONS)
def test_public_api_decodes_replayed_completion(replay: dict[str, Any], fixture: str) -> None:
    provider, name = fixture.split("/")
    direct = decode(provider, name, "m")
    done = llmkit.complete(f"{provider}/m", "Hi", extra_headers={"x-fixture": fixture}, **replay)
    assert (done.text, done.message.reasoning, done.tool_calls, done.usage) == (
        direct.text,
        direct.message.reasoning,
        direct.tool_calls,
        direct.usage,
    )


@pytest.mark.parametrize("fixture", STREAMS)
def test_public_api_decodes_replayed_stream(replay: dict[str, Any], fixture: str) -> None:
    provider, name = fixture.split("/")
    direct = decode(provider, name, "m")
    with llmkit.stream(f"{provider}/m", "Hi", extra_headers={"x-fixture": fixture}, **replay) as s:
        done = s.completion
    assert (done.text, done.message.reasoning, done.tool_calls, done.usage) == (
        direct.text,
        direct.message.reasoning,
        direct.tool_calls,
        direct.usage,
    )
    assert done.tool_calls or done.usage.total_tokens > 0


# ---------------------------------------------------------------- vLLM, via llama-stack's recordings


def _llama_stack_wire(path: Path) -> bytes:
    """llama-stack's recorder keeps the openai SDK's model of the reply (``{"__type__", "__data__"}``,
    fields dumped with their None defaults, ids renamed ``rec-<hash>``, ``created`` zeroed). The
    wire body is ``__data__``; a stream is its chunks as ``data:`` events closed by ``[DONE]``."""
    body = json.loads(path.read_bytes())["response"]["body"]
    if isinstance(body, dict):
        return json.dumps(body["__data__"]).encode()
    events = [b"data: " + json.dumps(chunk["__data__"]).encode() + b"\n\n" for chunk in body]
    return b"".join(events) + b"data: [DONE]\n\n"


def test_vllm_recorded_tool_call_with_unparsed_think_block() -> None:
    """Qwen3 served without a reasoning parser: the ``<think>`` block stays in ``content`` (vLLM's
    answer, not llmkit's reading) and ``reasoning_content`` is null."""
    c = decode("vllm", "llama_stack_tool_call_744052775cf9.json")
    assert c.text.startswith("<think>\nOkay, the user is asking about the weather in San Francisco")
    assert c.text.endswith("</think>\n\n")
    assert c.message.reasoning == ""
    [call] = c.tool_calls
    assert (call.id, call.name, call.arguments) == (
        "chatcmpl-tool-b59dc311dd914d3dbd6d455b122bc39c",
        "get_weather",
        {"location": "San Francisco, CA"},
    )
    assert (c.finish_reason, c.raw_finish_reason) == (FinishReason.TOOL_CALLS, "tool_calls")
    assert usage(c) == (185, 138, 323)
    assert c.model == "Qwen/Qwen3-0.6B"


def test_vllm_recorded_tool_call_stream() -> None:
    """vLLM streams the call's name with ``arguments: null``, then the arguments in three pieces,
    and sends the finishing chunk twice; no usage was asked for."""
    c = decode("vllm", "llama_stack_tool_call_stream_65eba1be095a.json")
    assert c.text.startswith("<think>\nOkay, the user is asking for the current time in UTC.")
    [call] = c.tool_calls
    assert (call.id, call.name, call.arguments) == (
        "chatcmpl-tool-41faa6bedd074d51a6335cd2447deeab",
        "get_time",
        {"timezone": "UTC"},
    )
    assert c.finish_reason is FinishReason.TOOL_CALLS


def test_vllm_recorded_reasoning_stream_in_the_reasoning_field() -> None:
    """A vLLM reasoning parser's output arrives in ``delta.reasoning`` (the field's newer name;
    ``reasoning_content`` is null in every chunk here), usage on a last choice-less chunk."""
    c = decode("vllm", "llama_stack_reasoning_stream_d1edbcabe604.json")
    assert c.text.startswith("\n\nTo solve the expression $2 + 2 \\times 3$")
    assert c.text.endswith("**Final Answer:** 12")
    assert len(c.message.reasoning) == 610
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (107, 271, 378)
