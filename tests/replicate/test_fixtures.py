"""Responses recorded from the live Replicate API (replicate-python's VCR cassettes; see each
fixture's .source.md), decoded with llmkit's dialect."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmkit.dialects.base import CallContext, ChatRequest, ImageRequest
from llmkit.dialects.replicate import DIALECT
from llmkit.errors import AuthenticationError, PredictionFailedError, ResponseDecodeError
from llmkit.providers import get_spec
from llmkit.types import Message
from llmkit.wire import HttpResponse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "replicate"
API = "https://api.replicate.com"


def load(name: str, status: int = 200) -> tuple[dict[str, object], HttpResponse]:
    raw = (FIXTURES / name).read_bytes()
    assert (FIXTURES / f"{name}.source.md").is_file()
    return json.loads(raw), HttpResponse(status, {"content-type": "application/json"}, raw)


def ctx(model: str, base: str = API) -> CallContext:
    return CallContext(get_spec("replicate"), model, base, params={"poll_interval": "0.5"})


def chat(model: str) -> ChatRequest:
    return ChatRequest(model, [Message("user", "hi")])


def test_succeeded_language_model_tokens_joined() -> None:
    obj, resp = load("prediction_succeeded_llama2_tokens.json")
    c = DIALECT.parse_chat(resp, chat("meta/llama-2-70b-chat"), ctx("meta/llama-2-70b-chat"))
    assert c.text == "".join(obj["output"])  # type: ignore[arg-type]
    assert c.text.startswith(" Sure! Here's a poem") and c.id == "lcugc4dbrucyanpbgo6mokdwpu"


def test_processing_after_prefer_wait_is_polled_then_streamed() -> None:
    _, resp = load("prediction_processing_llama3.json", 201)
    c = ctx("meta/meta-llama-3-8b-instruct")
    nxt = DIALECT.follow_up(resp, chat(c.model), 1, False, c)
    assert nxt is not None and nxt.request.method == "GET"
    assert nxt.request.url == f"{API}/v1/predictions/jp9nrd1g2hrj20cjb2vrb55mkr" and nxt.delay == 0.5
    assert nxt.cancel is not None and nxt.cancel.url.endswith("/jp9nrd1g2hrj20cjb2vrb55mkr/cancel")
    streamed = DIALECT.follow_up(resp, chat(c.model), 1, True, c)
    assert streamed is not None and streamed.stream and ".replicate.net/" in streamed.request.url


def test_stream_url_on_replicates_stream_host() -> None:
    _, resp = load("prediction_starting_stream.json", 201)
    nxt = DIALECT.follow_up(resp, chat("meta/llama-2-70b-chat"), 1, True, ctx("meta/llama-2-70b-chat"))
    assert nxt is not None
    assert (
        nxt.request.url
        == "https://streaming-api.svc.us.c.replicate.net/v1/predictions/4awn473bsrztjzlx2b6ufoxkkm"
    )


def test_recorded_urls_refused_for_another_base() -> None:
    # Aimed at a proxy or a test server, the recorded api.replicate.com URLs are another host: the
    # key is not sent there.
    _, resp = load("prediction_processing_llama3.json", 201)
    c = ctx("meta/meta-llama-3-8b-instruct", "https://proxy.example")
    with pytest.raises(ResponseDecodeError, match="another host"):
        DIALECT.follow_up(resp, chat(c.model), 1, False, c)
    with pytest.raises(ResponseDecodeError, match="another host"):
        DIALECT.follow_up(resp, chat(c.model), 1, True, c)


def test_canceled_is_typed() -> None:
    _, resp = load("prediction_canceled.json")
    with pytest.raises(PredictionFailedError, match="hdwst0bb05rgp0cf0p29mzk2am was canceled") as info:
        DIALECT.parse_chat(resp, chat("stability-ai/sdxl"), ctx("stability-ai/sdxl"))
    assert info.value.prediction_id == "hdwst0bb05rgp0cf0p29mzk2am"


def test_succeeded_image_prediction_output_url() -> None:
    obj, resp = load("prediction_succeeded_image.json")
    req = ImageRequest("stability-ai/sdxl", "a studio photo of a rainbow colored corgi")
    images = DIALECT.parse_images(resp, req, ctx("stability-ai/sdxl"))
    assert not hasattr(images, "request")
    (image,) = images.images  # type: ignore[union-attr]
    assert image.url == obj["output"][0] and image.data is None  # type: ignore[index]
    assert image.url.startswith("https://replicate.delivery/") and image.mime_type == "image/png"


def test_invalid_token_problem() -> None:
    _, resp = load("error_invalid_token.json", 401)
    err = DIALECT.parse_error(resp, ctx("meta/llama"))
    assert isinstance(err, AuthenticationError)
    assert "You did not pass a valid authentication token" in str(err) and err.error_type == "Unauthenticated"
