"""The recorded and published watsonx bodies in ``tests/fixtures/watsonx`` (see each ``.source.md``:
IBM's Java SDK tests and an openllmetry VCR cassette), decoded by llmkit: the live streams served
byte for byte over loopback through the public API (sync and async), cut at awkward offsets;
the chat and embeddings answers, the error bodies and IAM's replies through the dialect and the
auth; and llmkit's request body held to the body the Java SDK asserts it sends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _watsonx_helpers import options, run

from llmkit.auth.watsonx import parse_iam_response
from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest
from llmkit.dialects.watsonx import DIALECT, WatsonxStreamDecoder
from llmkit.emulator import Emulator, add_profile
from llmkit.emulator.profiles import PROFILES, Profile
from llmkit.emulator.server import EmuRequest, Reply
from llmkit.errors import AuthenticationError, BadRequestError
from llmkit.providers import get_spec
from llmkit.types import Finish, Message, ResponseFormat, TextDelta, TextPart, ToolCallDelta, UsageUpdate
from llmkit.wire import HttpResponse

FIXTURES = Path(__file__).parent.parent / "fixtures" / "watsonx"
SERVED = Profile("watsonx_fixture", f"{__name__}:serve", base_path="", auth_headers=(), credentials="none")
MODES = pytest.mark.parametrize("mode", ["sync", "async"])


def serve(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    """The fixture the test names in the model id, in 7-byte chunks (inside lines and JSON)."""
    data = (FIXTURES / req.headers["x-fixture"]).read_bytes()
    chunks = [data[i : i + 7] for i in range(0, len(data), 7)]
    return Reply(200, {"content-type": "text/event-stream"}, chunks=chunks)


@pytest.fixture(scope="module", autouse=True)
def _served() -> Any:
    add_profile(SERVED)
    yield
    PROFILES.pop(SERVED.name, None)


def _ctx(model: str = "ibm/granite-3-3-8b-instruct", **params: str) -> CallContext:
    return CallContext(get_spec("watsonx"), model, "https://us-south.ml.cloud.ibm.com", {}, dict(params))


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def _stream(mode: str, emu: Emulator, fixture: str) -> tuple[list[Any], Any]:
    kw = options(emu, url=f"{emu.url}/watsonx_fixture", username="u", extra_headers={"x-fixture": fixture})
    result: tuple[list[Any], Any] = run(mode, "stream", "watsonx/meta-llama/llama-4", "hi", **kw)
    return result


@MODES
def test_live_text_stream_decodes_over_loopback(mode: str, emu: Emulator) -> None:
    events, c = _stream(mode, emu, "chat_stream_text.sse")
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Ciao"
    assert [e.reason for e in events if isinstance(e, Finish)] == ["stop"]
    (usage,) = [e.usage for e in events if isinstance(e, UsageUpdate)]
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (38, 3, 41)
    assert (c.text, c.id, c.model) == (
        "Ciao",
        "chatcmpl-5d8c131decbb6978cba5df10267aa3ff",
        "meta-llama/llama-4-maverick-17b-128e-instruct-fp8",
    )


@MODES
def test_live_tool_call_stream_decodes_over_loopback(mode: str, emu: Emulator) -> None:
    events, c = _stream(mode, emu, "chat_stream_tools.sse")
    assert [(t.id, t.name, t.arguments) for t in c.tool_calls] == [
        ("chatcmpl-tool-af37032523934f019aa7258469580a7a", "sum", {"firstNumber": 2, "secondNumber": 2}),
        (
            "chatcmpl-tool-f762db03c60f441dba57bab09552bb7b",
            "subtraction",
            {"firstNumber": 2, "secondNumber": 2},
        ),
    ]
    assert c.finish_reason == "tool_calls" and c.usage.total_tokens == 368
    assert sorted({e.index for e in events if isinstance(e, ToolCallDelta)}) == [0, 1]


def test_stream_decoder_byte_by_byte_and_the_framing() -> None:
    data = (FIXTURES / "chat_stream_text.sse").read_bytes()
    assert b"[DONE]" not in data and data.count(b"event: message") == 5
    decoder = DIALECT.stream_decoder(ChatRequest("m", ()), _ctx())
    assert isinstance(decoder, WatsonxStreamDecoder)
    events = [e for i in range(len(data)) for e in decoder.feed(data[i : i + 1])]
    assert decoder.done and decoder.error is None
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Ciao"
    assert decoder.raw_events[0]["system"]["warnings"][0]["id"] == "disclaimer_warning"


def test_error_event_inside_a_stream_is_typed_after_the_text_before_it() -> None:
    decoder = DIALECT.stream_decoder(ChatRequest("m", ()), _ctx())
    text = (FIXTURES / "chat_stream_text.sse").read_bytes().split(b"\n\n")[1] + b"\n\n"
    error = json.dumps(_load("error_400.json")).encode()
    events = decoder.feed(text + b"id: 3\nevent: error\ndata: " + error + b"\n\n")
    assert events == [TextDelta("C")]
    assert isinstance(decoder.error, BadRequestError) and decoder.error.error_code == "invalid_request_entity"


def test_live_chat_answer_decodes() -> None:
    body = (FIXTURES / "chat.json").read_bytes()
    c = DIALECT.parse_chat(HttpResponse(200, {}, body), ChatRequest("m", ()), _ctx())
    assert (c.text, c.finish_reason) == ("The image is the IBM logo", "stop")
    assert (c.usage.input_tokens, c.usage.output_tokens, c.usage.total_tokens) == (2552, 263, 2815)


def test_embeddings_answer_decodes() -> None:
    body = (FIXTURES / "embeddings.json").read_bytes()
    e = DIALECT.parse_embed(HttpResponse(200, {}, body), EmbedRequest("slate", ["one"]), _ctx("slate"))
    assert e.vectors == [[-0.006929283, -0.005336422, -0.024047505]]
    assert (e.usage.input_tokens, e.model) == (10, "slate")


def test_error_body_is_typed_with_its_code_and_trace() -> None:
    body = (FIXTURES / "error_400.json").read_bytes()
    err = DIALECT.parse_error(HttpResponse(400, {}, body), _ctx())
    assert isinstance(err, BadRequestError) and err.error_code == "invalid_request_entity"
    assert "`detectors` is a required field" in str(err) and "trace 004ca103d58aee42ec64f3d7a428b698" in str(
        err
    )


def test_iam_replies_parse() -> None:
    body = (FIXTURES / "iam_token.json").read_bytes()
    issued = 1709111794.0 - 3600  # "expiration" less "expires_in": when IAM issued it
    token, expires_at = parse_iam_response(HttpResponse(200, {}, body), now=issued)
    assert (token, expires_at) == ("REDACTED-ACCESS-TOKEN", 1709111794.0)
    # Read relative to the local clock (expires_in), so a skewed clock still gets an hour.
    assert parse_iam_response(HttpResponse(200, {}, body), now=5e9)[1] == 5e9 + 3600
    without = json.dumps({"access_token": "t0ken-value", "expiration": 1709111794}).encode()
    assert parse_iam_response(HttpResponse(200, {}, without), now=issued)[1] == 1709111794.0
    with pytest.raises(AuthenticationError, match="no usable expires_in"):
        parse_iam_response(HttpResponse(200, {}, b'{"access_token": "t0ken-value"}'), now=0.0)
    refused = (FIXTURES / "iam_error.json").read_bytes()
    with pytest.raises(AuthenticationError, match="BXNIM0415E Provided API key could not be found") as info:
        parse_iam_response(HttpResponse(400, {}, refused), now=0.0)
    assert info.value.error_code == "BXNIM0415E" and "WATSONX_APIKEY" in str(info.value)


def test_request_body_matches_what_the_java_sdk_sends() -> None:
    expected = _load("chat_request.json")
    schema = expected["response_format"]["json_schema"]
    options = {
        k: expected[k]
        for k in (
            "frequency_penalty",
            "logit_bias",
            "logprobs",
            "top_logprobs",
            "n",
            "presence_penalty",
            "seed",
            "top_p",
            "time_limit",
            "guided_choice",
            "guided_regex",
            "guided_grammar",
            "repetition_penalty",
            "length_penalty",
        )
    }
    req = ChatRequest(
        "my-super-model",
        [Message("user", [TextPart("Hello")])],
        tool_choice="required",
        response_format=ResponseFormat("json_schema", schema["schema"], schema["name"], strict=False),
        temperature=expected["temperature"],
        max_tokens=expected["max_completion_tokens"],
        stop=expected["stop"],
        options=options,
    )
    ctx = _ctx("my-super-model", project_id="project-id", space_id="space-id")
    sent = DIALECT.build_chat(req, ctx)
    body = json.loads(sent.body)
    # The Java SDK sends the model twice (model_id and model) and both tool-choice forms at once;
    # llmkit sends model_id, and one tool-choice form for one choice.
    want = {k: v for k, v in expected.items() if k not in ("model", "tool_choice")}
    want["response_format"]["json_schema"].pop("strict")  # strict=False is the default, not sent
    assert body == want
    assert sent.url == "https://us-south.ml.cloud.ibm.com/ml/v1/text/chat"
    assert sent.headers == {"content-type": "application/json", "accept": "application/json"}


def test_a_close_event_ends_the_stream() -> None:
    decoder = DIALECT.stream_decoder(ChatRequest("m", ()), _ctx())
    first = (FIXTURES / "chat_stream_text.sse").read_bytes().split(b"\n\n")[1] + b"\n\n"
    assert decoder.feed(first) == [TextDelta("C")] and not decoder.done
    assert decoder.feed(b"id: 3\nevent: close\ndata: {}\n\n") == [] and decoder.done


def test_drifted_bodies_are_decode_errors() -> None:
    from llmkit.errors import ResponseDecodeError

    req = EmbedRequest("slate", ["a", "b"])
    for body in (
        b"not json",
        b'{"results": [{"embedding": [1.0]}]}',
        b'{"results": [{"embedding": ["x"]}, {}]}',
    ):
        with pytest.raises(ResponseDecodeError):
            DIALECT.parse_embed(HttpResponse(200, {}, body), req, _ctx("slate"))
    with pytest.raises(ResponseDecodeError):
        DIALECT.parse_chat(HttpResponse(200, {}, b"<html>"), ChatRequest("m", ()), _ctx())
