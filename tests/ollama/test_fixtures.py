"""The example responses of Ollama's own API documentation (``tests/fixtures/ollama_native``, see
each ``.source.md``) decoded by llmkit: the chat answers through the dialect, the documented stream
served byte for byte over loopback in 5-byte chunks (inside lines and JSON) through the public
API, sync and async, and the embed answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _ollama_helpers import options, run

from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest
from llmkit.dialects.ollama import DIALECT
from llmkit.emulator import Emulator, add_profile
from llmkit.emulator.profiles import PROFILES, Profile
from llmkit.emulator.server import EmuRequest, Reply
from llmkit.providers import get_spec
from llmkit.types import Finish, Message, TextDelta, UsageUpdate
from llmkit.wire import HttpResponse

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ollama_native"
SERVED = Profile("ollama_fixture", f"{__name__}:serve", base_path="", auth_headers=(), credentials="none")
MODES = pytest.mark.parametrize("mode", ["sync", "async"])


def serve(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    data = (FIXTURES / "chat_stream.ndjson").read_bytes()
    chunks = [data[i : i + 5] for i in range(0, len(data), 5)]
    return Reply(200, {"content-type": "application/x-ndjson"}, chunks=chunks)


@pytest.fixture(scope="module", autouse=True)
def _served() -> Any:
    add_profile(SERVED)
    yield
    PROFILES.pop(SERVED.name, None)


def _ctx() -> CallContext:
    return CallContext(get_spec("ollama_chat"), "llama3.2", "http://localhost:11434")


def _parse(name: str) -> Any:
    req = ChatRequest("llama3.2", [Message("user", "hi")])
    return DIALECT.parse_chat(HttpResponse(200, {}, (FIXTURES / name).read_bytes()), req, _ctx())


def test_documented_tool_call_answer() -> None:
    c = _parse("chat_tools.json")
    (call,) = c.tool_calls
    assert (call.id, call.name, call.arguments) == (
        "call_0",
        "get_current_weather",
        {"format": "celsius", "location": "Paris, FR"},
    )
    assert (c.finish_reason, c.raw_finish_reason, c.text) == ("tool_calls", "stop", "")
    assert (c.usage.input_tokens, c.usage.output_tokens, c.raw["total_duration"]) == (122, 33, 885095291)


def test_documented_structured_answer_and_load_answer() -> None:
    c = _parse("chat_structured.json")
    assert json.loads(c.text) == {"age": 22, "available": False} and c.finish_reason == "stop"
    load = _parse("chat_load.json")
    assert (load.text, load.finish_reason, load.raw_finish_reason, load.usage.total_tokens) == (
        "", "other", "load", 0,
    )  # fmt: skip


@MODES
def test_documented_stream_over_loopback_in_small_chunks(mode: str, emu: Emulator) -> None:
    events, c = run(
        mode, "stream", "ollama_chat/llama3.2", "hi", **options(emu, host=f"{emu.url}/ollama_fixture")
    )
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["The"]
    (usage,) = [e.usage for e in events if isinstance(e, UsageUpdate)]
    assert (usage.input_tokens, usage.output_tokens) == (26, 282)
    # The documented final object has no done_reason: a normal stop.
    assert [e.reason for e in events if isinstance(e, Finish)] == ["stop"]
    assert (c.text, c.model) == ("The", "llama3.2")


def test_documented_embed_answer() -> None:
    req = EmbedRequest("all-minilm", ["Why is the sky blue?", "Why is the grass green?"])
    body = (FIXTURES / "embed_multiple.json").read_bytes()
    e = DIALECT.parse_embed(HttpResponse(200, {}, body), req, _ctx())
    assert [len(v) for v in e.vectors] == [10, 10] and e.vectors[1][0] == -0.0098027075
    assert (e.model, e.usage.input_tokens) == ("all-minilm", 0)
