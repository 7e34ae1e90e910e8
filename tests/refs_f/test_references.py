"""Long-tail gateways held against bodies their own projects wrote (refs_f, issue 14): each fixture is
decoded through llmkit's OpenAI dialect with the row's own spec, and once more through the public API
with the emulator replaying the bytes verbatim over loopback. The ``.source.md`` beside each fixture
names the repo@commit:path it was copied from."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.fleet.test_fixtures import FIXTURES, decode, decode_error, usage

import llmkit
from llmkit import errors
from llmkit._stream import Accumulator
from llmkit.dialects.base import CallContext, ChatRequest
from llmkit.dialects.openai_chat import DIALECT
from llmkit.providers import get_spec
from llmkit.types import Completion, FinishReason, Message


def _decode_sse(provider: str, data: bytes) -> Completion:
    ctx = CallContext(get_spec(provider), "m", "https://provider.invalid/v1")
    decoder = DIALECT.stream_decoder(ChatRequest("m", [Message("user", "Hi")], stream=True), ctx)
    acc = Accumulator()
    for i in range(0, len(data), 41):  # events split across reads
        for ev in decoder.feed(data[i : i + 41]):
            acc.add(ev)
    return acc.build(decoder, provider, "m")


# ---------------------------------------------------------------- Darkbloom (Layr-Labs/d-inference)


def test_darkbloom_coordinator_stream_format() -> None:
    """The chunks the coordinator's own OpenAI-format test streams: no usage event in the stream
    (the coordinator reports usage over its provider socket, not to the consumer's stream)."""
    c = decode("darkbloom", "coordinator_stream_format_test.sse", "m")
    assert c.text == "Hello world"
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (0, 0, 0)
    assert (c.id, c.model) == ("chatcmpl-abc", "test-model")
    assert not c.tool_calls and not c.message.reasoning


def test_darkbloom_backend_chunks_with_nulls() -> None:
    """A vllm-mlx backend's chunks as the coordinator receives them (nulls, a choices-less usage
    chunk, no finish_reason anywhere): usage is read, and no finish is invented."""
    c = decode("darkbloom", "backend_chunks_normalize_bench.sse", "m")
    assert c.text == "Hello world"
    assert usage(c) == (150, 83, 233)
    assert (c.id, c.model) == ("chatcmpl-abc123", "qwen3.5-27b")
    assert c.finish_reason is FinishReason.OTHER
    assert not c.tool_calls


def _normalized(event: dict[str, Any]) -> dict[str, Any]:
    """What the coordinator's normalizeSSEChunk makes of a chunk, per the rules its test asserts:
    null usage / system_fingerprint dropped; null content, reasoning_content and refusal in a delta
    become "", null tool_calls becomes []; reasoning_content is renamed reasoning."""
    out = {k: v for k, v in event.items() if not (k in ("usage", "system_fingerprint") and v is None)}
    for choice in out.get("choices", []):
        delta = choice.get("delta", {})
        for key in ("content", "reasoning_content", "reasoning", "refusal"):
            if key in delta and delta[key] is None:
                delta[key] = ""
        if "tool_calls" in delta and delta["tool_calls"] is None:
            delta["tool_calls"] = []
        if "reasoning_content" in delta:
            rc = delta.pop("reasoning_content")
            delta.setdefault("reasoning", rc)
    return out


def test_darkbloom_coordinator_normalized_chunks_add_no_phantom_parts() -> None:
    """After the coordinator's normalisation every delta may carry ``"tool_calls": []`` and
    ``"reasoning": ""``: neither may become a tool call or a reasoning part."""
    raw = (FIXTURES / "darkbloom" / "backend_chunks_normalize_bench.sse").read_bytes()
    events = [e.removeprefix(b"data: ") for e in raw.split(b"\n\n") if e.strip()]
    payloads = [_normalized(json.loads(e)) for e in events if e != b"[DONE]"]
    assert payloads[0]["choices"][0]["delta"] == {
        "role": "assistant",
        "content": "",
        "tool_calls": [],
        "reasoning": "",
    }
    assert "usage" not in payloads[0] and "system_fingerprint" not in payloads[0]
    data = b"".join(b"data: " + json.dumps(p).encode() + b"\n\n" for p in payloads) + b"data: [DONE]\n\n"
    c = _decode_sse("darkbloom", data)
    assert c.text == "Hello world"
    assert c.tool_calls == [] and not c.message.reasoning
    assert usage(c) == (150, 83, 233)


# ---------------------------------------------------------------- Docker Model Runner (docker/model-runner)


def test_docker_model_runner_readme_completion() -> None:
    c = decode("docker_model_runner", "chat_readme.json", "m")
    assert c.text == "I'm doing well, thank you for asking! How can I assist you today?"
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (24, 16, 40)
    assert (c.id, c.model) == ("chat-12345", "ai/smollm2")


def test_docker_model_runner_cli_test_stream() -> None:
    """The minimal stream docker's CLI tests answer with: no id, model or usage in any chunk."""
    c = decode("docker_model_runner", "chat_stream_cli_test.sse", "m")
    assert c.text == "Hello!"
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (0, 0, 0)
    assert c.model == "m"  # the requested model stands in for the missing one


def test_docker_model_runner_jinja_error_is_a_typed_server_error() -> None:
    """llama.cpp's error object (numeric ``code``) for a chat template that rejects tools."""
    err = decode_error("docker_model_runner", "error_jinja_500_cli_test.json", 500, "application/json")
    assert isinstance(err, errors.ServerError)
    assert err.status_code == 500 and err.error_type == "server_error"
    assert err.message.endswith(
        "Jinja Exception: Conversation roles must alternate user/assistant/user/assistant/..."
    )


# ---------------------------------------------------------------- the same bytes over loopback

COMPLETIONS = ["docker_model_runner/chat_readme.json"]
STREAMS = [
    "darkbloom/coordinator_stream_format_test.sse",
    "darkbloom/backend_chunks_normalize_bench.sse",
    "docker_model_runner/chat_stream_cli_test.sse",
]


@pytest.mark.parametrize("fixture", COMPLETIONS)
def test_public_api_decodes_replayed_completion(replay: dict[str, Any], fixture: str) -> None:
    provider, name = fixture.split("/")
    direct = decode(provider, name, "m")
    done = llmkit.complete(f"{provider}/m", "Hi", extra_headers={"x-fixture": fixture}, **replay)
    assert done.provider == provider
    assert (done.text, done.tool_calls, done.usage, done.finish_reason, done.message.reasoning) == (
        direct.text,
        direct.tool_calls,
        direct.usage,
        direct.finish_reason,
        direct.message.reasoning,
    )


@pytest.mark.parametrize("fixture", STREAMS)
def test_public_api_decodes_replayed_stream(replay: dict[str, Any], fixture: str) -> None:
    provider, name = fixture.split("/")
    direct = decode(provider, name, "m")
    with llmkit.stream(f"{provider}/m", "Hi", extra_headers={"x-fixture": fixture}, **replay) as s:
        done = s.completion
    assert (done.text, done.tool_calls, done.usage, done.finish_reason, done.message.reasoning) == (
        direct.text,
        direct.tool_calls,
        direct.usage,
        direct.finish_reason,
        direct.message.reasoning,
    )
