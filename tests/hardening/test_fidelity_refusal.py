"""Refusals: OpenAI's ``message.refusal`` / ``delta.refusal`` and Anthropic's ``stop_reason:
"refusal"`` surface as ``Completion.refusal``, ``RefusalDelta`` events and finish reason
CONTENT_FILTER; under ``response_format`` they raise ``RefusalError`` (not a JSON error)."""

from __future__ import annotations

import json
from typing import Any

import _fidelity_replay as R
import pytest

import llmkit
from llmkit.emulator import Emulator, Script
from llmkit.errors import RefusalError, StructuredOutputError
from llmkit.types import Completion, FinishReason, RefusalDelta, TextDelta

SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "temperature": {"type": "number"}},
    "required": ["city", "temperature"],
    "additionalProperties": False,
}
RECORDED = "I'm very sorry, but I can't assist with that."  # openai_sdk/chat_refusal.json
RECORDED_STREAM = "I'm sorry, I can't assist with that request."  # openai_sdk/chat_refusal_stream.sse
ANTHROPIC = "This request was refused due to policy."  # anthropic/stream_refusal.sse
KW: dict[str, Any] = {"api_key": "sk-test-fidelity-000000", "max_retries": 0}


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def replay(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> str:
    return str(R.install(monkeypatch, emu))


def _sse(path: str) -> dict[str, str]:
    return R.serve(R.fixture(path).rstrip(b"\n") + b"\n\n", "text/event-stream")  # type: ignore[no-any-return]


def _refused(c: Completion, words: str, raw: str) -> None:
    assert c.refusal == words
    assert c.text == ""
    assert (c.finish_reason, c.raw_finish_reason) == (FinishReason.CONTENT_FILTER, raw)


def test_refusal_delta_is_exported() -> None:
    assert llmkit.RefusalDelta is RefusalDelta
    assert issubclass(RefusalError, StructuredOutputError)


# ------------------------------------------------------------------ OpenAI, recorded


def test_recorded_refusal_is_surfaced(mode: str, replay: str) -> None:
    c = R.complete(
        mode,
        "openai/gpt-4o-2024-08-06",
        base_url=replay,
        extra_headers=R.serve(R.fixture("openai_sdk/chat_refusal.json")),
        **KW,
    )
    _refused(c, RECORDED, "stop")
    assert c.parsed is None


def test_recorded_refusal_under_response_format_raises_refusal_error(mode: str, replay: str) -> None:
    headers = R.serve(R.fixture("openai_sdk/chat_refusal.json"))
    with pytest.raises(RefusalError) as info:
        R.complete(
            mode,
            "openai/gpt-4o-2024-08-06",
            response_format=SCHEMA,
            base_url=replay,
            extra_headers=headers,
            **KW,
        )
    err = info.value
    assert err.refusal == RECORDED and RECORDED in str(err)
    assert err.completion is not None
    _refused(err.completion, RECORDED, "stop")
    assert err.__cause__ is None  # not a JSON decode error of the empty content


def test_recorded_refusal_stream(mode: str, replay: str) -> None:
    events, c = R.stream(
        mode,
        "openai/gpt-4o-2024-08-06",
        base_url=replay,
        extra_headers=_sse("openai_sdk/chat_refusal_stream.sse"),
        **KW,
    )
    pieces = [e.text for e in events if isinstance(e, RefusalDelta)]
    assert "".join(pieces) == RECORDED_STREAM and len(pieces) > 1
    assert not [e for e in events if isinstance(e, TextDelta)]
    _refused(c, RECORDED_STREAM, "stop")


def test_recorded_refusal_stream_under_response_format_raises(mode: str, replay: str) -> None:
    headers = _sse("openai_sdk/chat_refusal_stream.sse")
    with pytest.raises(RefusalError) as info:
        R.stream(
            mode,
            "openai/gpt-4o-2024-08-06",
            response_format=SCHEMA,
            base_url=replay,
            extra_headers=headers,
            **KW,
        )
    assert info.value.refusal == RECORDED_STREAM
    assert info.value.completion is not None
    _refused(info.value.completion, RECORDED_STREAM, "stop")


# ------------------------------------------------------------------ the emulator can script one


def test_emulator_scripts_a_refusal(mode: str, emu: Emulator) -> None:
    words = "I can't help with that, sorry."
    emu.script(Script(refusal=words))
    c = R.complete(mode, "openai/gpt-4o", base_url=emu.base_url("openai"), api_key=emu.api_key)
    _refused(c, words, "stop")
    assert c.raw["choices"][0]["message"] == {"role": "assistant", "content": None, "refusal": words}

    emu.script(Script(refusal=words))
    events, s = R.stream(mode, "openai/gpt-4o", base_url=emu.base_url("openai"), api_key=emu.api_key)
    assert "".join(e.text for e in events if isinstance(e, RefusalDelta)) == words
    _refused(s, words, "stop")


def test_emulator_refusal_under_response_format(mode: str, emu: Emulator) -> None:
    words = "I can't help with that."
    for stream in (False, True):
        emu.script(Script(refusal=words))
        kw: dict[str, Any] = {
            "response_format": SCHEMA,
            "base_url": emu.base_url("openai"),
            "api_key": emu.api_key,
        }
        with pytest.raises(RefusalError) as info:
            if stream:
                R.stream(mode, "openai/gpt-4o", **kw)
            else:
                R.complete(mode, "openai/gpt-4o", **kw)
        assert info.value.refusal == words
        assert info.value.completion is not None and info.value.completion.refusal == words


def test_refusal_with_pydantic_model(mode: str, emu: Emulator) -> None:
    pydantic = pytest.importorskip("pydantic")

    class Location(pydantic.BaseModel):  # type: ignore[misc,name-defined]
        city: str

    emu.script(Script(refusal="No."))
    with pytest.raises(RefusalError, match="No"):
        R.complete(
            mode,
            "openai/gpt-4o",
            response_format=Location,
            base_url=emu.base_url("openai"),
            api_key=emu.api_key,
        )


def test_no_refusal_stays_none(mode: str, emu: Emulator) -> None:
    emu.script(Script(json={"city": "Paris", "temperature": 21}))
    c = R.complete(
        mode, "openai/gpt-4o", response_format=SCHEMA, base_url=emu.base_url("openai"), api_key=emu.api_key
    )
    assert c.refusal is None and c.parsed == {"city": "Paris", "temperature": 21}
    assert c.finish_reason is FinishReason.STOP


# ------------------------------------------------------------------ Anthropic, recorded


def test_anthropic_recorded_refusal_stream(mode: str, replay: str) -> None:
    events, c = R.stream(
        mode,
        "anthropic/claude-opus-4-7",
        base_url=replay,
        extra_headers=_sse("anthropic/stream_refusal.sse"),
        **KW,
    )
    assert [e.text for e in events if isinstance(e, RefusalDelta)] == [ANTHROPIC]
    _refused(c, ANTHROPIC, "refusal")


def test_anthropic_recorded_refusal_under_response_format(mode: str, replay: str) -> None:
    with pytest.raises(RefusalError) as info:
        R.stream(
            mode,
            "anthropic/claude-opus-4-7",
            response_format=SCHEMA,
            base_url=replay,
            extra_headers=_sse("anthropic/stream_refusal.sse"),
            **KW,
        )
    assert info.value.refusal == ANTHROPIC


def _anthropic_message(stop_details: Any) -> bytes:
    # The recorded stream's message, as the non-streamed answer carries it.
    return json.dumps(
        {
            "id": "msg_01RefusalTestMessage123456789",
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": "claude-opus-4-7",
            "stop_reason": "refusal",
            "stop_sequence": None,
            "stop_details": stop_details,
            "usage": {"input_tokens": 20, "output_tokens": 120},
        }
    ).encode()


def test_anthropic_refusal_complete(mode: str, replay: str) -> None:
    details = {"type": "refusal", "category": "cyber", "explanation": ANTHROPIC}
    c = R.complete(
        mode,
        "anthropic/claude-opus-4-7",
        base_url=replay,
        extra_headers=R.serve(_anthropic_message(details)),
        **KW,
    )
    _refused(c, ANTHROPIC, "refusal")
    # Without stop_details the refusal is still a refusal, with no words.
    c = R.complete(
        mode,
        "anthropic/claude-opus-4-7",
        base_url=replay,
        extra_headers=R.serve(_anthropic_message(None)),
        **KW,
    )
    _refused(c, "", "refusal")
    with pytest.raises(RefusalError) as info:
        R.complete(
            mode,
            "anthropic/claude-opus-4-7",
            response_format=SCHEMA,
            base_url=replay,
            extra_headers=R.serve(_anthropic_message(None)),
            **KW,
        )
    assert info.value.refusal == "" and "refused" in str(info.value)
