"""An in-stream error that shares one transport read with the deltas before it keeps them:
the typed error's ``.partial`` holds that text, for every dialect, sync and async. The replay
profile sends each body below in ONE chunked write."""

from __future__ import annotations

import json
from typing import Any

import _fidelity_replay as R
import pytest

from llmkit.emulator import Emulator
from llmkit.errors import ContentFilteredError, OverloadedError, ProviderError, ServerError
from llmkit.framing.eventstream_encode import encode_event, encode_exception

SSE = "text/event-stream"
EVENTSTREAM = "application/vnd.amazon.eventstream"
KW: dict[str, Any] = {"api_key": "sk-test-fidelity-000000", "max_retries": 0}


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def replay(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> str:
    R.aws_env(monkeypatch)
    return str(R.install(monkeypatch, emu))


def _data(*objs: Any) -> bytes:
    return b"".join(b"data: " + json.dumps(o).encode() + b"\n\n" for o in objs)


def _openai_chunk(text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
    }


OPENAI = _data(
    _openai_chunk("Hel"),
    _openai_chunk("lo"),
    {"error": {"message": "The server had an error", "type": "server_error", "code": None}},
)
ANTHROPIC = (
    b"event: message_start\n"
    b'data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant",'
    b'"content":[],"model":"claude","usage":{"input_tokens":5,"output_tokens":1}}}\n\n'
    b"event: content_block_start\n"
    b'data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n'
    b"event: content_block_delta\n"
    b'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}\n\n'
    b"event: error\n"
    b'data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
)
GEMINI_TEXT = {"candidates": [{"content": {"role": "model", "parts": [{"text": "Hello"}]}}]}
GEMINI = _data(GEMINI_TEXT, {"error": {"code": 500, "message": "Internal error", "status": "INTERNAL"}})
GEMINI_BLOCKED = _data(GEMINI_TEXT, {"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}})


def _bedrock() -> bytes:
    return (
        encode_event("messageStart", b'{"role":"assistant"}')
        + encode_event("contentBlockDelta", b'{"contentBlockIndex":0,"delta":{"text":"Hel"}}')
        + encode_event("contentBlockDelta", b'{"contentBlockIndex":0,"delta":{"text":"lo"}}')
        + encode_exception("modelStreamErrorException", b'{"message":"the model failed mid-stream"}')
    )


def _payload_parts(*records: bytes) -> bytes:
    return b"".join(encode_event("PayloadPart", r, content_type="application/octet-stream") for r in records)


SAGEMAKER_MESSAGES = _payload_parts(
    _data(_openai_chunk("Hel")),
    _data(_openai_chunk("lo")),
    _data({"error": {"message": "container failed", "type": "server_error"}}),
)
SAGEMAKER_TGI = _payload_parts(
    b'data:{"token":{"id":1,"text":"Hel","logprob":0.0,"special":false},"generated_text":null,"details":null}\n\n'
    b'data:{"token":{"id":2,"text":"lo","logprob":0.0,"special":false},"generated_text":null,"details":null}\n\n'
    b'data:{"error":"Request failed during generation: Server error","error_type":"generation"}\n\n'
)

CASES: dict[str, tuple[str, bytes, str, type[ProviderError], dict[str, Any]]] = {
    "openai": ("openai/gpt-4o", OPENAI, SSE, ProviderError, {}),
    "anthropic": ("anthropic/claude-sonnet-4-5", ANTHROPIC, SSE, OverloadedError, {}),
    "gemini": ("gemini/gemini-2.5-flash", GEMINI, SSE, ServerError, {}),
    "gemini-blocked": ("gemini/gemini-2.5-flash", GEMINI_BLOCKED, SSE, ContentFilteredError, {}),
    "bedrock": (
        "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0",
        _bedrock(),
        EVENTSTREAM,
        ProviderError,
        {},
    ),
    "sagemaker-messages": ("sagemaker/my-endpoint", SAGEMAKER_MESSAGES, EVENTSTREAM, ProviderError, {}),
    "sagemaker-tgi": (
        "sagemaker/my-endpoint",
        SAGEMAKER_TGI,
        EVENTSTREAM,
        ServerError,
        {"sagemaker_format": "tgi"},
    ),
    "sagemaker-exception": (
        "sagemaker/my-endpoint",
        _payload_parts(_data(_openai_chunk("Hel")), _data(_openai_chunk("lo")))
        + encode_exception(
            "ModelStreamError", b'{"Message":"the container stopped","ErrorCode":"ModelError"}'
        ),
        EVENTSTREAM,
        ProviderError,
        {},
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_error_in_the_same_read_keeps_the_deltas(mode: str, replay: str, case: str) -> None:
    model, body, ctype, error, options = CASES[case]
    with pytest.raises(error) as info:
        R.stream(mode, model, base_url=replay, extra_headers=R.serve(body, ctype), **KW, **options)
    partial = info.value.partial
    assert partial is not None, f"{case}: no partial result"
    assert partial.text == "Hello", f"{case}: the deltas before the error were lost"
