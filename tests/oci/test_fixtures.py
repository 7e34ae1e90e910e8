"""Recorded live OCI answers (openllmetry's VCR cassettes, tests/fixtures/oci) decoded by the
dialect, and llmkit's request bodies held to the requests recorded beside them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from llmkit.dialects.base import CallContext, ChatRequest
from llmkit.dialects.oci import DIALECT, OciStreamDecoder
from llmkit.providers import get_spec
from llmkit.types import FinishReason, Message, TextDelta, UsageUpdate
from llmkit.wire import HttpResponse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "oci"
BASE = "https://inference.generativeai.us-chicago-1.oci.oraclecloud.com"
COMPARTMENT = "ocid1.compartment.oc1..redacted"


def _cassette(name: str) -> tuple[dict[str, Any], bytes]:
    data = yaml.safe_load((FIXTURES / name).read_text())["interactions"][0]
    return json.loads(data["request"]["body"]), data["response"]["body"]["string"].encode()


def _ctx(model: str) -> CallContext:
    return CallContext(get_spec("oci"), model, BASE, params={"compartment_id": COMPARTMENT})


def test_generic_answer() -> None:
    sent, body = _cassette("test_generic_chat_legacy.yaml")
    c = DIALECT.parse_chat(
        HttpResponse(200, {}, body), ChatRequest("m", []), _ctx("meta.llama-3.3-70b-instruct")
    )
    assert c.text.startswith("Why did the OpenTelemetry span go to therapy?")
    assert c.finish_reason is FinishReason.STOP and not c.message.tool_calls
    assert (c.usage.input_tokens, c.usage.output_tokens, c.usage.total_tokens) == (43, 35, 78)
    assert sent["chatRequest"]["apiFormat"] == "GENERIC"


def test_cohere_answer_with_a_null_finish_reason() -> None:
    _, body = _cassette("test_cohere_chat_legacy.yaml")
    c = DIALECT.parse_chat(
        HttpResponse(200, {}, body), ChatRequest("m", []), _ctx("cohere.command-a-03-2025")
    )
    assert c.text.startswith("Why did the OpenTelemetry span cross the road?")
    assert c.finish_reason is FinishReason.STOP and c.raw_finish_reason is None
    assert c.usage.total_tokens == 41


def _decode(name: str, model: str, cohere: bool, size: int) -> tuple[list[Any], OciStreamDecoder]:
    _, body = _cassette(name)
    decoder = OciStreamDecoder(_ctx(model), cohere=cohere)
    events: list[Any] = []
    for i in range(0, len(body), size):
        events += decoder.feed(body[i : i + size])
    return events, decoder


@pytest.mark.parametrize("size", [1, 7, 100_000])
def test_generic_stream(size: int) -> None:
    events, decoder = _decode("test_generic_chat_streaming.yaml", "meta.llama-3.3-70b-instruct", False, size)
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text.startswith("Why did the OpenTelemetry span go to therapy?\n\nBecause")
    assert text.endswith('"distributed"! (get it?)')
    usage = [e.usage for e in events if isinstance(e, UsageUpdate)]
    assert [(u.input_tokens, u.output_tokens) for u in usage] == [(43, 33)]
    assert decoder.done


@pytest.mark.parametrize("size", [1, 13, 100_000])
def test_cohere_stream_final_chunk_repeats_the_text(size: int) -> None:
    events, decoder = _decode("test_cohere_chat_streaming.yaml", "cohere.command-a-03-2025", True, size)
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text == "Why did the OpenTelemetry span cross the road?\n\nTo trace the other side."
    assert [e.usage.total_tokens for e in events if isinstance(e, UsageUpdate)] == [40]
    assert decoder.done  # no [DONE] in a COHERE stream: the finishReason chunk ends it


@pytest.mark.parametrize(
    ("name", "model", "messages", "options"),
    [
        (
            "test_generic_chat_streaming.yaml",
            "meta.llama-3.3-70b-instruct",
            [Message("user", "Tell me a joke about opentelemetry")],
            {"stream": True, "temperature": 0.2, "max_tokens": 100},
        ),
        (
            "test_cohere_chat_streaming.yaml",
            "cohere.command-a-03-2025",
            [
                Message("system", "You are a terse assistant."),
                Message("user", "Hello"),
                Message("assistant", "Hi! How can I help?"),
                Message("user", "Tell me a joke about opentelemetry"),
            ],
            {"stream": True, "temperature": 0.3, "max_tokens": 100},
        ),
    ],
)
def test_request_bodies_match_the_recorded_ones(
    name: str, model: str, messages: list[Message], options: dict[str, Any]
) -> None:
    sent, _ = _cassette(name)
    req = DIALECT.build_chat(ChatRequest(model, messages, **options), _ctx(model))
    assert req.url == BASE + "/20231130/actions/chat"
    assert json.loads(req.body or b"") == sent
