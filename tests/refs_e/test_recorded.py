"""Rows of refs_e (issue 14) held against bodies their own projects printed: each fixture's
``.source.md`` names repo@commit:path. Each body is decoded through the row's dialect with its own
spec and quirks, and once more through the public API with the emulator serving the bytes over
loopback.

SGLang's documentation site is its notebooks run against a live server in CI; the cURL cell prints
``json.loads`` of the server's bytes, so the page shows a Python dict. The fixture keeps that line
as printed (``.pyrepr``) and ``_wire`` turns it back into JSON with ``ast.literal_eval``, which is
lossless for JSON values (``None`` is ``null``, key order kept)."""

from __future__ import annotations

import ast
import json
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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


def _wire(fixture: str) -> bytes:
    """The bytes the server sent, from the fixture as the page printed them."""
    path = FIXTURES / fixture
    if path.suffix == ".pyrepr":
        return json.dumps(ast.literal_eval(path.read_text(encoding="utf-8"))).encode()
    return path.read_bytes()


def _is_stream(fixture: str) -> bool:
    return fixture.endswith(".sse")


def decode(fixture: str, model: str = "requested-model") -> Completion:
    provider = fixture.split("/", 1)[0]
    data = _wire(fixture)
    ctx = CallContext(get_spec(provider), model, "https://provider.invalid/v1")
    if not _is_stream(fixture):
        req = ChatRequest(model, [Message("user", "Hi")])
        return DIALECT.parse_chat(HttpResponse(200, {"content-type": "application/json"}, data), req, ctx)
    req = ChatRequest(model, [Message("user", "Hi")], stream=True)
    decoder = DIALECT.stream_decoder(req, ctx)
    acc = Accumulator()
    for i in range(0, len(data), 41):  # events split across reads
        for ev in decoder.feed(data[i : i + 41]):
            acc.add(ev)
    return acc.build(decoder, provider, model)


def usage(c: Completion) -> tuple[int, int, int]:
    return c.usage.input_tokens, c.usage.output_tokens, c.usage.total_tokens


# ---------------------------------------------------------------- SGLang (its docs site, CI run)


def test_sglang_documented_curl_completion() -> None:
    """SGLang's own fields ride along (``matched_stop`` on the choice, ``reasoning_tokens`` at the
    top of usage, ``metadata.weight_version``, null ``reasoning_content`` and ``tool_calls``); none
    of them changes the reading."""
    c = decode("sglang/send_request_curl.pyrepr")
    assert c.text == "The capital of France is Paris."
    assert c.message.reasoning == "" and not c.tool_calls
    assert (c.finish_reason, c.raw_finish_reason) == (FinishReason.STOP, "stop")
    assert usage(c) == (36, 8, 44)
    assert (c.usage.cached_input_tokens, c.usage.reasoning_tokens) == (0, 0)
    assert (c.id, c.model) == ("29c426502f024fed8270c38bb8f006d0", "qwen/qwen2.5-0.5b-instruct")
    assert c.raw is not None and c.raw["choices"][0]["matched_stop"] == 151645


# ---------------------------------------------------------------- Xinference (its getting-started guide)


def test_xinference_documented_completion_with_unknown_counts() -> None:
    """The guide's reply says ``"finish_reason": "None"`` (a string) and -1 in every usage field,
    Xinference's "not counted": read as OTHER (raw value kept) and as no usage, never as negative
    token counts."""
    c = decode("xinference/chat_completion_docs.json")
    assert c.text.startswith("The largest animal that has been scientifically measured is the blue whale")
    assert c.text.endswith("as their size can vary depending on the environment and the stage of their life.")
    assert (c.finish_reason, c.raw_finish_reason) == (FinishReason.OTHER, "None")
    assert usage(c) == (0, 0, 0)
    assert (c.id, c.model) == ("chatcmpl-8d76b65a-bad0-42ef-912d-4a0533d90d61", "qwen2.5-instruct")


# ---------------------------------------------------------------- MiniMax (a gateway's recorded reply)


def test_minimax_recorded_completion_with_its_own_fields() -> None:
    """MiniMax's reply as Apinto's MiniMax driver recorded it: the speaker ``name`` and an empty
    ``audio_content`` on the message, ``total_characters`` in usage, the ``*_sensitive`` flags and
    ``base_resp`` (status 0: success) at the top. None of them changes the reading."""
    c = decode("minimax/apinto_chat_completion.json")
    assert (
        c.text == "I\u2019m a language model, so I can answer questions about language, or about the world."
    )
    assert (c.finish_reason, c.raw_finish_reason) == (FinishReason.STOP, "stop")
    assert usage(c) == (75, 19, 94)
    assert (c.id, c.model) == ("03c13c50d5d579fc940572bb6fdf6f0a", "abab6.5s-chat")
    assert c.raw is not None and c.raw["base_resp"] == {"status_code": 0, "status_msg": ""}


# ---------------------------------------------------------------- the same bytes over loopback

REPLAY = "refs_e_fixture_replay"
COMPLETIONS = [
    "sglang/send_request_curl.pyrepr",
    "xinference/chat_completion_docs.json",
    "minimax/apinto_chat_completion.json",
]


def _replay(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    """Answers with the fixture named in ``x-fixture`` (``provider/file``), a stream event by event."""
    fixture = req.headers["x-fixture"]
    data = _wire(fixture)
    if not _is_stream(fixture):
        return Reply(200, {"content-type": "application/json"}, data)
    events = [event + b"\n\n" for event in data.split(b"\n\n") if event.strip()]
    return Reply(200, {"content-type": "text/event-stream"}, chunks=events)


@pytest.fixture
def replay(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    module = types.ModuleType("llmkit_tests_refs_e_replay")
    module.handle = _replay  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(PROFILES, REPLAY, Profile(REPLAY, f"{module.__name__}:handle"))
    yield {"base_url": emu.base_url(REPLAY), "api_key": "sk-replay-key-000000", "max_retries": 0}


@pytest.mark.parametrize("fixture", COMPLETIONS)
def test_public_api_decodes_replayed_completion(replay: dict[str, Any], fixture: str) -> None:
    provider = fixture.split("/", 1)[0]
    direct = decode(fixture, "m")
    done = llmkit.complete(f"{provider}/m", "Hi", extra_headers={"x-fixture": fixture}, **replay)
    assert done.provider == provider
    assert (done.text, done.message.reasoning, done.tool_calls, done.usage, done.finish_reason) == (
        direct.text,
        direct.message.reasoning,
        direct.tool_calls,
        direct.usage,
        direct.finish_reason,
    )


def test_uncounted_usage_is_xinference_s_quirk_only(replay: dict[str, Any]) -> None:
    """The -1 of Xinference's guide reads as "not counted" on its own row only; a generic
    OpenAI-compatible row keeps treating a negative count as a drifted body."""
    fixture = "xinference/chat_completion_docs.json"
    with pytest.raises(errors.ResponseDecodeError):
        llmkit.complete("openai_compatible/m", "Hi", extra_headers={"x-fixture": fixture}, **replay)
