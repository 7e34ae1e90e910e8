"""Hosted OpenAI-compatible rows held against bodies their own documentation printed (refs_d,
issue 14): each sample is decoded through llmkit's OpenAI dialect with the row's own spec, and once
more through the public API with the emulator serving the bytes verbatim over loopback. The
``.source.md`` beside each fixture names the page or repo@commit:path it was copied from."""

from __future__ import annotations

import json
import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.fleet.test_fixtures import decode, decode_error, usage
from tests.refs_a.test_references import _decode_stream, _frame_sse

import llmkit
from llmkit import errors
from llmkit.emulator import PROFILES, Emulator, EmuRequest, Profile, Reply
from llmkit.errors import ToolArgumentsError
from llmkit.types import Completion, FinishReason

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _printed_events(provider: str, name: str) -> bytes:
    """A page's stream printed as ``data: <pretty JSON>`` blocks, framed as the wire carries it
    (one compact ``data:`` line an event, closed by ``[DONE]``)."""
    text = (FIXTURES / provider / name).read_bytes()
    payloads = [p for p in re.split(rb"(?:^|\n\n)data: ", text) if p.strip()]
    return _frame_sse(*payloads)


def _decode_printed(provider: str, name: str) -> Completion:
    return _decode_stream(provider, _printed_events(provider, name))


# ---------------------------------------------------------------- DeepInfra


def test_deepinfra_documented_completion_reports_its_cost() -> None:
    c = decode("deepinfra", "chat_model_page_docs.json")
    assert c.text.startswith(" Hello! It's nice to meet you.")  # the leading space is kept
    assert (c.finish_reason, c.raw_finish_reason) == (FinishReason.STOP, "stop")
    assert usage(c) == (15, 16, 31)
    # DeepInfra's usage.estimated_cost (USD) is the provider's own figure for the call.
    assert c.usage.reported_cost == pytest.approx(0.0000268)
    assert (c.id, c.model) == ("chatcmpl-guMTxWgpFf", "openchat/openchat-3.6-8b")


def test_deepinfra_documented_stream_usage_without_total() -> None:
    c = decode("deepinfra", "chat_stream_docs.sse")
    assert c.text == "Hello"
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (10, 5, 15)  # total_tokens absent: the sum
    assert c.id == "chatcmpl-..."


def test_deepinfra_documented_validation_error_reads_loc_and_msg() -> None:
    err = decode_error("deepinfra", "error_422_docs_schema.json", 422, "application/json")
    assert isinstance(err, errors.BadRequestError)
    # FastAPI's detail list is read as "loc: msg", not a Python repr of the list.
    assert err.message.endswith("HTTP 422: <string>: <string>")
    assert "[{" not in err.message
    assert err.error_type == "<string>"


# ---------------------------------------------------------------- NVIDIA NIM


def test_nvidia_nim_documented_completion() -> None:
    c = decode("nvidia_nim", "chat_nim_proxy_docs.json")
    assert c.text == "I'm doing well, thank you for asking! How can I help you today?"
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (15, 12, 27)
    assert (c.id, c.model) == ("chatcmpl-123", "meta/llama-3.1-8b-instruct")


# ---------------------------------------------------------------- Nebius


def test_nebius_documented_completion() -> None:
    c = decode("nebius", "chat_api_reference_docs.json")
    assert (
        c.text
        == "Hello! It's nice to meet you. Is there something I can help you with, or would you like to chat?"
    )
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (13, 26, 39)
    assert (c.id, c.model) == ("cmpl-bd18c4194f544c189578cfcb273a2f74", "meta-llama/Llama-3.3-70B-Instruct")


# ---------------------------------------------------------------- SiliconFlow


def test_siliconflow_documented_schema_sample() -> None:
    c = decode("siliconflow", "chat_docs_schema.json")
    assert (c.text, c.message.reasoning) == ("<string>", "<string>")  # reasoning_content read
    assert (c.finish_reason, c.raw_finish_reason) == (FinishReason.STOP, "stop")  # as sent
    assert usage(c) == (123, 123, 123)
    [call] = c.tool_calls
    assert (call.id, call.name, call.raw_arguments) == ("<string>", "<string>", "<string>")
    # The placeholder is not JSON: kept as sent, the parse failure said when read.
    assert call.parse_error is not None
    with pytest.raises(ToolArgumentsError):
        _ = call.arguments


# ---------------------------------------------------------------- Scaleway


def test_scaleway_documented_reasoning_stream() -> None:
    c = _decode_printed("scaleway", "chat_reasoning_stream_docs.txt")
    assert c.message.reasoning == ")*\n"  # delta.reasoning
    assert c.text == "\n\nThe"
    # The printed excerpt ends before the finishing chunk: no reason is invented.
    assert (c.finish_reason, c.raw_finish_reason) == (FinishReason.OTHER, None)
    assert c.model == "qwen3.5-397b-a17b"


# ---------------------------------------------------------------- Baseten


def test_baseten_documented_chunk_with_nulls_decodes_to_nothing() -> None:
    """The reference's schema chunk: null role, content, name and usage are read as absent, and
    its choice (index 123, a placeholder) is not the one choice an n=1 call reads."""
    chunk = (FIXTURES / "baseten" / "chat_chunk_docs_schema.json").read_bytes()
    c = _decode_stream("baseten", _frame_sse(chunk))
    assert (c.text, c.tool_calls, c.id) == ("", [], "<string>")
    assert usage(c) == (0, 0, 0)
    assert c.finish_reason is FinishReason.OTHER  # [DONE] with no finish_reason: none invented


# ---------------------------------------------------------------- RunPod


def test_runpod_documented_completion() -> None:
    c = decode("runpod", "chat_openai_compat_docs.json")
    assert c.text.startswith("I am Mistral, an AI assistant based on the Mistral-7B-Instruct model.")
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (23, 24, 47)
    assert (c.id, c.model) == ("cmpl-123abc", "mistralai/Mistral-7B-Instruct-v0.2")


# ---------------------------------------------------------------- W&B Inference


def test_wandb_documented_completion() -> None:
    c = decode("wandb", "chat_api_reference_docs.json")
    assert c.text == "Here's a joke for you..."
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (25, 50, 75)
    assert (c.id, c.model) == ("chatcmpl-...", "meta-llama/Llama-3.1-8B-Instruct")


# ---------------------------------------------------------------- OVHcloud AI Endpoints


def test_ovhcloud_documented_structured_output() -> None:
    c = decode("ovhcloud", "chat_json_schema_docs.json")
    assert json.loads(c.text)["languages"][0] == {
        "name": "JavaScript",
        "ranking": 1,
        "website": "https://www.javascript.com/",
    }
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (65, 80, 145)
    assert (c.id, c.model) == ("chatcmpl-9276e3e305e04c73bd05224abcb7532b", "Meta-Llama-3_3-70B-Instruct")


# ---------------------------------------------------------------- Requesty


def test_requesty_documented_completion_reports_its_cost() -> None:
    c = decode("requesty", "chat_api_reference_docs.json")
    assert c.text.startswith("An LLM gateway is a unified API layer")
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (24, 52, 76)
    assert c.usage.reported_cost == pytest.approx(0.000038)  # usage.cost, USD
    assert (c.id, c.model) == ("chatcmpl-abc123def456", "openai/gpt-4o-mini")


# ---------------------------------------------------------------- Nscale


def test_nscale_documented_schema_sample() -> None:
    c = decode("nscale", "chat_api_reference_docs_schema.json")
    assert c.text == "<string>"
    # An unknown finish reason is kept as sent and read as OTHER; a string "logprobs" is no error.
    assert (c.finish_reason, c.raw_finish_reason) == (FinishReason.OTHER, "<string>")
    assert usage(c) == (123, 123, 123)
    assert c.raw["choices"][0]["stop_reason"] == "<string>"


# ---------------------------------------------------------------- Venice


def test_venice_documented_completion_reports_the_top_level_cost() -> None:
    c = decode("venice", "chat_openapi_example.json")
    assert c.text.startswith("The sky appears blue because of the way Earth's atmosphere scatters")
    assert c.message.reasoning == "" and not c.tool_calls  # null reasoning, empty tool_calls
    assert (c.finish_reason, c.raw_finish_reason) == (FinishReason.STOP, "stop")
    assert usage(c) == (612, 146, 758)  # *_tokens_details: null read as none
    # Venice reports the call's cost beside usage, as cost.usd (and cost.diem, its own credit).
    assert c.usage.reported_cost == pytest.approx(0.00042)
    assert c.raw["venice_parameters"]["character_slug"] == "venice"
    assert (c.id, c.model) == ("chatcmpl-a81fbc2d81a7a083bb83ccf9f44c6e5e", "zai-org-glm-5-1")


@pytest.mark.parametrize(
    ("name", "cls", "message"),
    [
        ("error_docs_plain.json", errors.BadRequestError, "Invalid request parameters"),
        ("error_docs_validation.json", errors.BadRequestError, "Invalid request parameters"),
        (
            "error_docs_context_length.json",
            errors.ContextWindowExceededError,
            "Your request exceeds the model's maximum context.",
        ),
    ],
)
def test_venice_documented_errors(name: str, cls: type[errors.ProviderError], message: str) -> None:
    err = decode_error("venice", name, 400, "application/json")
    assert type(err) is cls
    assert message in err.message


# ---------------------------------------------------------------- the same bytes over loopback

REPLAY = "refs_d_docs_replay"


def _wire(provider: str, name: str) -> bytes:
    if name.endswith(".txt"):
        return _printed_events(provider, name)
    return (FIXTURES / provider / name).read_bytes()


def _replay(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    """Answers with the fixture named in ``x-fixture`` (``provider/file``) with the status in
    ``x-status``; a stream event by event."""
    provider, name = req.headers["x-fixture"].split("/", 1)
    data = _wire(provider, name)
    status = int(req.headers.get("x-status", "200"))
    if status == 200 and not name.endswith(".json"):
        events = [event + b"\n\n" for event in data.split(b"\n\n") if event.strip()]
        return Reply(200, {"content-type": "text/event-stream"}, chunks=events)
    return Reply(status, {"content-type": "application/json"}, data)


@pytest.fixture
def docs_replay(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    module = types.ModuleType("llmkit_tests_refs_d_replay")
    module.handle = _replay  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(PROFILES, REPLAY, Profile(REPLAY, f"{module.__name__}:handle"))
    yield {"base_url": emu.base_url(REPLAY), "api_key": "sk-replay-key-000000", "max_retries": 0}


COMPLETIONS = [
    "deepinfra/chat_model_page_docs.json",
    "nvidia_nim/chat_nim_proxy_docs.json",
    "nebius/chat_api_reference_docs.json",
    "siliconflow/chat_docs_schema.json",
    "venice/chat_openapi_example.json",
    "runpod/chat_openai_compat_docs.json",
    "wandb/chat_api_reference_docs.json",
    "ovhcloud/chat_json_schema_docs.json",
    "requesty/chat_api_reference_docs.json",
    "nscale/chat_api_reference_docs_schema.json",
]
STREAMS = ["deepinfra/chat_stream_docs.sse", "scaleway/chat_reasoning_stream_docs.txt"]


def _direct(provider: str, name: str) -> Completion:
    return _decode_printed(provider, name) if name.endswith(".txt") else decode(provider, name, "m")


@pytest.mark.parametrize("fixture", COMPLETIONS)
def test_documented_completion_through_the_public_api(docs_replay: dict[str, Any], fixture: str) -> None:
    provider, name = fixture.split("/")
    direct = decode(provider, name, "m")
    done = llmkit.complete(f"{provider}/m", "Hi", extra_headers={"x-fixture": fixture}, **docs_replay)
    assert done.provider == provider
    assert (done.text, done.message.reasoning, done.finish_reason, done.usage) == (
        direct.text,
        direct.message.reasoning,
        direct.finish_reason,
        direct.usage,
    )
    assert [(t.id, t.name, t.raw_arguments) for t in done.tool_calls] == [
        (t.id, t.name, t.raw_arguments) for t in direct.tool_calls
    ]
    assert done.usage.reported_cost == direct.usage.reported_cost


@pytest.mark.parametrize("fixture", STREAMS)
def test_documented_stream_through_the_public_api(docs_replay: dict[str, Any], fixture: str) -> None:
    provider, name = fixture.split("/")
    direct = _direct(provider, name)
    with llmkit.stream(f"{provider}/m", "Hi", extra_headers={"x-fixture": fixture}, **docs_replay) as s:
        done = s.completion
    assert (done.text, done.message.reasoning, done.finish_reason, done.usage) == (
        direct.text,
        direct.message.reasoning,
        direct.finish_reason,
        direct.usage,
    )


def test_venice_documented_error_through_the_public_api(docs_replay: dict[str, Any]) -> None:
    headers = {"x-fixture": "venice/error_docs_context_length.json", "x-status": "400"}
    with pytest.raises(errors.ContextWindowExceededError) as caught:
        llmkit.complete("venice/m", "Hi", extra_headers=headers, **docs_replay)
    assert caught.value.error_code == "context_length_exceeded"


def test_documented_validation_error_through_the_public_api(docs_replay: dict[str, Any]) -> None:
    headers = {"x-fixture": "deepinfra/error_422_docs_schema.json", "x-status": "422"}
    with pytest.raises(errors.BadRequestError) as caught:
        llmkit.complete("deepinfra/m", "Hi", extra_headers=headers, **docs_replay)
    assert caught.value.status_code == 422
    assert caught.value.message.endswith("<string>: <string>")
    assert caught.value.body == {"detail": [{"loc": ["<string>"], "msg": "<string>", "type": "<string>"}]}
