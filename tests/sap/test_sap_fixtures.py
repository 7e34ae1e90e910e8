"""Responses recorded in SAP's official JavaScript SDK (tests/fixtures/sap/, each with its
.source.md), decoded by the sap_orchestration dialect and held to SAP's published spec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from llmkit.dialects.base import CallContext
from llmkit.dialects.sap_orchestration import DIALECT
from llmkit.errors import BadRequestError, ContentFilteredError, LLMKitError
from llmkit.providers import get_spec
from llmkit.types import Finish, StreamEvent, TextDelta, UsageUpdate
from llmkit.wire import HttpResponse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sap"


def _ctx() -> CallContext:
    return CallContext(get_spec("sap"), "gpt-4o", "https://api.ai.example.com/v2")


def _response(name: str, status: int = 200) -> HttpResponse:
    return HttpResponse(status, {"content-type": "application/json"}, (FIXTURES / name).read_bytes())


def test_every_fixture_names_its_source() -> None:
    for path in FIXTURES.iterdir():
        if not path.name.endswith(".source.md"):
            note = (FIXTURES / f"{path.name}.source.md").read_text()
            assert "SAP/ai-sdk-js@42429d19c7ab56484d7fa07aa261d1fcf82f66d6:" in note


def test_recorded_completion() -> None:
    out = DIALECT.parse_chat(_response("orchestration-chat-completion-success-response.json"), None, _ctx())  # type: ignore[arg-type]
    assert out.text == "Hello! How can I assist you today?"
    assert out.finish_reason == "stop" and out.id == "chatcmpl-C19HolLlkUltFBAMq4Jdgi4dMUFKg"
    assert (out.usage.input_tokens, out.usage.output_tokens, out.usage.total_tokens) == (9, 10, 19)
    assert out.raw["intermediate_results"]["templating"][0]["content"] == "Hello!"


def _feed_in_pieces(data: bytes, size: int) -> tuple[list[StreamEvent], Any]:
    decoder = DIALECT.stream_decoder(None, _ctx())  # type: ignore[arg-type]
    events: list[StreamEvent] = []
    for i in range(0, len(data), size):
        events.extend(decoder.feed(data[i : i + size]))
        if decoder.error is not None:
            break
    return events, decoder


@pytest.mark.parametrize("size", [1, 7, 100_000])
def test_recorded_stream(size: int) -> None:
    data = (FIXTURES / "orchestration-chat-completion-stream-chunks.txt").read_bytes()
    events, decoder = _feed_in_pieces(data, size)
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text.startswith("The SAP Cloud SDK is a comprehensive development toolkit")
    assert text.endswith("rate with SAP's enterprise solutions.")
    finishes = [e for e in events if isinstance(e, Finish)]
    assert [f.raw_reason for f in finishes] == ["stop"]  # "" while the stream goes on is no finish
    (usage,) = [e.usage for e in events if isinstance(e, UsageUpdate)]
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (17, 271, 288)
    assert decoder.done and decoder.error is None
    assert decoder.response_id == "chatcmpl-AfnDZfYvuE4SDplaLGF9v0PJjB0wp"
    assert decoder.response_model == "gpt-4o-2024-08-06"


def test_recorded_in_stream_error() -> None:
    data = (FIXTURES / "orchestration-chat-completion-stream-chunks-with-error.txt").read_bytes()
    decoder = DIALECT.stream_decoder(None, _ctx())  # type: ignore[arg-type]
    events: list[StreamEvent] = []
    raised: LLMKitError | None = None
    try:
        events = decoder.feed(data)
    except LLMKitError as exc:
        raised = exc
    err = raised or decoder.error
    assert isinstance(err, BadRequestError)
    assert "Model gpt-5 in version wrong-version not found" in str(err)
    assert err.error_type == "LLM Module" and err.error_code == "400"
    assert not [e for e in events if isinstance(e, TextDelta)]


def test_recorded_embeddings() -> None:
    out = DIALECT.parse_embed(_response("orchestration-embedding-simple-response.json"), _embed_req(), _ctx())
    assert out.vectors == [[0.40689898, -0.5339842, -0.71838975, -0.1822372]]
    assert out.model == "text-embedding-3-small" and out.usage.input_tokens == 20


def _embed_req() -> Any:
    from llmkit.dialects.base import EmbedRequest

    return EmbedRequest("text-embedding-3-small", ["x"])


def test_recorded_embedding_error() -> None:
    err = DIALECT.parse_error(_response("orchestration-embedding-error.json", 400), _ctx())
    assert type(err) is BadRequestError and err.error_type == "Embedding Module"
    assert "Model name must be one of" in str(err)


def test_recorded_input_filter_refusal() -> None:
    err = DIALECT.parse_error(_response("orchestration-chat-completion-input-filter-error.json", 400), _ctx())
    assert isinstance(err, ContentFilteredError)
    assert err.error_type == "Filtering Module - Input Filter"
    body = json.loads((FIXTURES / "orchestration-chat-completion-input-filter-error.json").read_text())
    assert err.request_id == body["request_id"]
