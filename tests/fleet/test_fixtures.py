"""Recorded and documented provider responses (``tests/fixtures/<provider>/``, each with a ``.source.md``)
decoded through the OpenAI dialect with that provider's own spec and quirks, and once more through the
public API with the emulator replaying the bytes verbatim."""

from __future__ import annotations

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
from llmkit.types import Citation, Completion, FinishReason, Message, Usage
from llmkit.wire import HttpResponse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# The expansion-plan providers this suite owns; each has a fixture or a NO_FIXTURE note saying why not.
EXPANSION = [
    "perplexity", "xai", "meta_llama", "friendli", "lepton", "novita", "hyperbolic", "lambda_ai",
    "datarobot", "volcengine", "modal", "azure_ai",
]  # fmt: skip


def _ctx(provider: str, model: str) -> CallContext:
    return CallContext(get_spec(provider), model, "https://provider.invalid/v1")


def decode(provider: str, name: str, model: str = "requested-model") -> Completion:
    data = (FIXTURES / provider / name).read_bytes()
    ctx = _ctx(provider, model)
    if name.endswith(".json"):
        req = ChatRequest(model, [Message("user", "Hi")])
        return DIALECT.parse_chat(HttpResponse(200, {"content-type": "application/json"}, data), req, ctx)
    req = ChatRequest(model, [Message("user", "Hi")], stream=True)
    decoder = DIALECT.stream_decoder(req, ctx)
    acc = Accumulator()
    for i in range(0, len(data), 97):  # odd-sized pieces: events split across reads
        for ev in decoder.feed(data[i : i + 97]):
            acc.add(ev)
    return acc.build(decoder, provider, model)


def decode_error(provider: str, name: str, status: int, content_type: str) -> errors.ProviderError:
    data = (FIXTURES / provider / name).read_bytes()
    return DIALECT.parse_error(
        HttpResponse(status, {"content-type": content_type}, data), _ctx(provider, "m")
    )


def usage(c: Completion) -> tuple[int, int, int]:
    return c.usage.input_tokens, c.usage.output_tokens, c.usage.total_tokens


def test_every_fixture_has_a_source_note() -> None:
    for provider in EXPANSION:
        folder = FIXTURES / provider
        files = [p for p in folder.iterdir() if not p.name.endswith(".source.md")] if folder.is_dir() else []
        notes = list(folder.glob("*.source.md")) if folder.is_dir() else []
        assert files or (folder / "NO_FIXTURE.source.md").exists(), f"{provider}: no fixture and no gap note"
        for f in files:
            assert (folder / (f.name + ".source.md")).exists(), f"{f} has no .source.md"
        assert notes


# ---------------------------------------------------------------- documentation examples


def test_friendli_documented_completion() -> None:
    c = decode("friendli", "serverless_chat.json")
    assert c.text == "Hello there, how may I assist you today?"
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (9, 11, 20)
    assert (c.id, c.model) == ("chatcmpl-4b71d12c86d94e719c7e3984a7bb7941", "meta-llama-3.1-8b-instruct")
    assert not c.tool_calls


def test_friendli_documented_dedicated_stream() -> None:
    c = decode("friendli", "dedicated_chat_stream.sse")
    assert c.text == "This is"
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (8, 4, 12)
    assert c.model == "(endpoint-id)"


def test_azure_ai_documented_tool_call() -> None:
    c = decode("azure_ai", "chat_tool_call_maxset.json")
    assert c.text == ""
    [call] = c.tool_calls
    assert (call.id, call.name, call.arguments) == (
        "yrobmilsrugmbwukmzo",
        "my-function-name",
        {"arg1": "value1", "arg2": "value2"},
    )
    assert (c.finish_reason, c.raw_finish_reason) == (FinishReason.STOP, "stop")
    assert usage(c) == (28, 19, 16)  # as sent, not recomputed
    assert c.model == "my-model-name"
    assert c.message.reasoning == ""


def test_novita_documented_schema_sample() -> None:
    c = decode("novita", "chat_docs_schema.json")
    assert c.text == "" and c.message.reasoning == ""  # {} placeholders are not text
    assert (c.finish_reason, c.raw_finish_reason) == (FinishReason.OTHER, "<string>")
    assert usage(c) == (123, 123, 123)


def test_perplexity_documented_citations() -> None:
    c = decode("perplexity", "chat_docs_schema.json")
    assert c.text == "<string>"
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (123, 123, 123)
    assert c.citations == [Citation("<string>", "<string>")]
    assert c.raw["search_results"][0]["date"] == "2023-12-25"
    assert c.raw["usage"]["num_search_queries"] == 123


def test_modal_documented_proxy_auth_401() -> None:
    err = decode_error("modal", "error_proxy_auth_401.txt", 401, "text/plain")
    assert isinstance(err, errors.AuthenticationError)
    assert err.body == "modal-http: missing credentials for proxy authorization"


def test_xai_documented_openapi_completion() -> None:
    c = decode("xai", "chat_openapi_example.json")
    assert c.text == "101 multiplied by 3 is 303."
    assert not c.tool_calls
    assert (c.finish_reason, c.raw_finish_reason) == (FinishReason.STOP, "stop")
    assert usage(c) == (32, 103, 135)  # xAI leaves the 94 reasoning tokens out of completion_tokens
    assert (c.usage.cached_input_tokens, c.usage.reasoning_tokens) == (6, 94)
    assert (c.id, c.model) == ("a3d1008e-4544-40d4-d075-11527e794e4a", "latest")


def test_datarobot_documented_drum_completion() -> None:
    c = decode("datarobot", "drum_chat_openapi_example.json")
    assert c.text == "\n\nHello there, how may I assist you today?"
    assert not c.tool_calls
    assert (c.finish_reason, c.raw_finish_reason) == (FinishReason.STOP, "stop")
    assert usage(c) == (9, 12, 21)
    assert (c.id, c.model) == ("chatcmpl-123", "gpt-4o-mini")


def test_hyperbolic_sdk_test_tool_call_stream() -> None:
    c = decode("hyperbolic", "chat_stream_tool_call_sdk_test.sse")
    assert c.text == ""
    [call] = c.tool_calls
    assert (call.id, call.name, call.arguments) == (
        "call_O17Uplv4lJvD6DVdIvFFeRMw",
        "test-tool",
        {"value": "Sparkle Day"},
    )
    assert (c.finish_reason, c.raw_finish_reason) == (FinishReason.TOOL_CALLS, "tool_calls")
    assert usage(c) == (53, 17, 70)
    assert (c.id, c.model) == ("chatcmpl-96aZqmeDpA9IPD6tACY8djkMsJCMP", "gpt-3.5-turbo-0125")


# ---------------------------------------------------------------- third-party recordings


def test_perplexity_recorded_stream_with_cumulative_chunks() -> None:
    c = decode("perplexity", "chat_stream_2024_recorded.sse")
    assert c.text == "There are approximately 100 billion stars in the Milky Way galaxy."
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (14, 19, 33)


def test_perplexity_recorded_401() -> None:
    err = decode_error("perplexity", "error_401_json_2026.json", 401, "application/json")
    assert isinstance(err, errors.AuthenticationError)
    assert err.message.endswith(
        "Invalid API key provided. You can find your API key at https://www.perplexity.ai/settings/api."
    )
    assert err.error_type == "invalid_api_key"


def test_xai_recorded_tool_call() -> None:
    c = decode("xai", "chat_tool_call_recorded.json")
    [call] = c.tool_calls
    assert (call.id, call.name, call.arguments) == (
        "call_08419012",
        "weather",
        {"location": "Florence,Italy"},
    )
    assert c.finish_reason is FinishReason.TOOL_CALLS
    assert usage(c) == (390, 129, 519)  # 26 completion + 103 reasoning
    assert (c.usage.cached_input_tokens, c.usage.reasoning_tokens) == (320, 103)


def test_xai_recorded_reasoning_stream() -> None:
    c = decode("xai", "chat_stream_reasoning_recorded.sse")
    assert c.message.reasoning == 'First, the user said: "Say hi in Portuguese."\n'
    assert c.text == "Olá!"
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (213, 200, 413)  # 2 completion + 198 reasoning
    assert c.usage.cached_input_tokens == 192


def test_xai_recorded_bad_key_is_authentication_error() -> None:
    err = decode_error("xai", "error_bad_key_400.json", 400, "application/json")
    assert isinstance(err, errors.AuthenticationError)
    assert err.status_code == 400
    assert err.error_code == "Client specified an invalid argument"


def test_volcengine_reseller_documented_completion() -> None:
    raw = json.loads((FIXTURES / "volcengine" / "chat_reseller_doc.json").read_bytes())
    c = decode("volcengine", "chat_reseller_doc.json")
    assert c.text == raw["choices"][0]["message"]["content"] and c.text.startswith("I'm Doubao")
    assert usage(c) == (13, 64, 77)
    assert c.model == "doubao-1-5-vision-pro-32k-250115"
    assert c.raw["service_tier"] == "default"


def test_volcengine_recorded_404() -> None:
    err = decode_error("volcengine", "error_404_model_not_found.json", 404, "application/json")
    assert isinstance(err, errors.NotFoundError)
    assert err.error_code == "InvalidEndpointOrModel.NotFound"


def test_meta_llama_recorded_problem_404() -> None:
    err = decode_error("meta_llama", "error_404_problem.json", 404, "application/json")
    assert isinstance(err, errors.NotFoundError)
    assert "Path '/chat/completions' was not found" in err.message


def test_azure_openai_recorded_stream_with_empty_preamble() -> None:
    c = decode("azure_openai", "simple_streaming.sse", "gpt-5-mini")
    assert c.text == "Oi!"
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (19, 76, 95)
    assert c.usage.reasoning_tokens == 64
    assert c.id == "chatcmpl-DuLYkWnz0OixBh4yGRX57RgoH5wVP"
    assert c.model == "gpt-5-mini-2025-08-07"


def test_openrouter_recorded_stream_with_comment_and_reasoning() -> None:
    c = decode("openrouter", "simple_streaming.sse")
    assert c.text == ' Oi! (Or "Olá!" which is slightly more formal)'
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (21, 173, 194)
    assert c.message.reasoning


# ---------------------------------------------------------------- through the public API

REPLAY = "fleet_fixture_replay"


def _replay(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    """Answers with the fixture named in ``x-fixture`` (``provider/file``), byte for byte."""
    provider, name = req.headers["x-fixture"].split("/", 1)
    data = (FIXTURES / provider / name).read_bytes()
    if name.endswith(".sse"):
        events = [event + b"\n\n" for event in data.split(b"\n\n") if event.strip()]
        return Reply(200, {"content-type": "text/event-stream"}, chunks=events)
    return Reply(200, {"content-type": "application/json"}, data)


@pytest.fixture
def replay(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    module = types.ModuleType("llmkit_tests_fleet_replay")
    module.handle = _replay  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(PROFILES, REPLAY, Profile(REPLAY, f"{module.__name__}:handle"))
    yield {"base_url": emu.base_url(REPLAY), "api_key": "sk-replay-key-000000", "max_retries": 0}


@pytest.mark.parametrize(
    "fixture",
    [
        "friendli/serverless_chat.json",
        "azure_ai/chat_tool_call_maxset.json",
        "perplexity/chat_docs_schema.json",
        "xai/chat_openapi_example.json",
        "datarobot/drum_chat_openapi_example.json",
    ],
)
def test_public_api_decodes_replayed_completion(replay: dict[str, Any], fixture: str) -> None:
    provider, name = fixture.split("/")
    direct = decode(provider, name, "m")
    done = llmkit.complete(f"{provider}/m", "Hi", extra_headers={"x-fixture": fixture}, **replay)
    assert (done.text, done.tool_calls, done.usage, done.citations) == (
        direct.text,
        direct.tool_calls,
        direct.usage,
        direct.citations,
    )
    assert done.usage != Usage()


@pytest.mark.parametrize(
    "fixture",
    [
        "friendli/dedicated_chat_stream.sse",
        "xai/chat_stream_reasoning_recorded.sse",
        "hyperbolic/chat_stream_tool_call_sdk_test.sse",
    ],
)
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
