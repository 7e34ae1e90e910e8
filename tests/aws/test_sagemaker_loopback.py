"""SageMaker endpoints end to end over loopback, sync and async, through the public API: each
payload format, streaming and not, the SageMaker headers, container errors; every request is
SigV4-signed (signing name ``sagemaker``) and verified by the emulator. Plus the recorded
examples in ``tests/fixtures/sagemaker``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from llmkit import AsyncClient, Client
from llmkit.dialects.base import CallContext, ChatRequest
from llmkit.dialects.sagemaker import DIALECT, SageMakerStreamDecoder
from llmkit.emulator import Emulator, Script, ScriptedCall, ScriptedError
from llmkit.emulator.bedrock import ACCESS_KEY, SECRET_KEY
from llmkit.emulator.sagemaker import split_parts
from llmkit.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    NotSupportedError,
    ProviderError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    StreamInterruptedError,
)
from llmkit.framing.eventstream_encode import encode_event
from llmkit.providers import get_spec
from llmkit.types import Completion, FinishReason, Message, StreamEvent, TextDelta, Tool, UsageUpdate
from llmkit.wire import HttpResponse

MODEL = "sagemaker/my-llm-endpoint"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sagemaker"
UNICODE = "Grüß Gott ☕ — 日本語 ok"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test credentials in the environment; no real AWS configuration is ever read."""
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_REGION", "us-east-1")


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def complete(mode: str, emu: Emulator, messages: Any = "Hi there", **kw: Any) -> Completion:
    kw.setdefault("base_url", emu.base_url("sagemaker"))
    if mode == "sync":
        with Client() as client:
            return client.complete(MODEL, messages, **kw)

    async def go() -> Completion:
        async with AsyncClient() as client:
            return await client.complete(MODEL, messages, **kw)

    return asyncio.run(go())


def stream(
    mode: str, emu: Emulator, messages: Any = "Hi there", **kw: Any
) -> tuple[list[StreamEvent], Completion]:
    kw.setdefault("base_url", emu.base_url("sagemaker"))
    if mode == "sync":
        with Client() as client, client.stream(MODEL, messages, **kw) as s:
            events = list(s)
            return events, s.completion

    async def go() -> tuple[list[StreamEvent], Completion]:
        async with AsyncClient() as client:
            s = client.stream(MODEL, messages, **kw)
            async with s:
                events = [e async for e in s]
            return events, s.completion

    return asyncio.run(go())


def last_headers(emu: Emulator) -> dict[str, str]:
    return emu.requests[-1].headers


# --------------------------------------------------------------------------- messages format


def test_messages_format(mode: str, emu: Emulator) -> None:
    emu.script(Script(text=UNICODE, input_tokens=9, output_tokens=6))
    c = complete(mode, emu, max_tokens=64, top_p=0.9)
    assert c.text == UNICODE and c.finish_reason is FinishReason.STOP
    assert (c.usage.input_tokens, c.usage.output_tokens) == (9, 6)
    req = emu.requests[-1]
    assert req.full_path == "/sagemaker/endpoints/my-llm-endpoint/invocations"
    body = req.json()
    assert body["messages"] == [{"role": "user", "content": "Hi there"}]
    assert body["max_tokens"] == 64 and body["top_p"] == 0.9 and body["model"] == "my-llm-endpoint"
    assert "sagemaker_format" not in body
    headers = last_headers(emu)
    assert headers["accept"] == "application/json" and headers["content-type"] == "application/json"
    assert "/us-east-1/sagemaker/aws4_request" in headers["authorization"]


def test_messages_stream_split_across_parts(mode: str, emu: Emulator) -> None:
    # One byte per PayloadPart: every SSE line and every UTF-8 character is split.
    emu.script(Script(text=UNICODE, extra={"part_sizes": [1]}))
    events, c = stream(mode, emu, container_model="tgi")
    assert c.text == UNICODE
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == UNICODE
    assert any(isinstance(e, UsageUpdate) for e in events)
    req = emu.requests[-1]
    assert req.full_path.endswith("/invocations-response-stream")
    assert req.json()["stream"] is True and req.json()["model"] == "tgi"
    assert req.headers["x-amzn-sagemaker-accept"] == "text/event-stream"


def test_messages_tool_call(mode: str, emu: Emulator) -> None:
    weather = Tool("get_weather", "", {"type": "object", "properties": {"city": {"type": "string"}}})
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Köln"})]))
    c = complete(mode, emu, "Weather?", tools=[weather])
    assert c.tool_calls[0].arguments == {"city": "Köln"}
    emu.script(
        Script(tool_calls=[ScriptedCall("get_weather", {"city": "Köln"})], extra={"part_sizes": [3, 1]})
    )
    _, s = stream(mode, emu, "Weather?", tools=[weather])
    assert s.tool_calls[0].arguments == {"city": "Köln"}
    assert s.finish_reason is FinishReason.TOOL_CALLS


def test_messages_structured_output(mode: str, emu: Emulator) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    c = complete(mode, emu, "Where?", response_format=schema)
    assert c.parsed == {"city": "example"}
    assert emu.requests[-1].json()["response_format"]["type"] == "json_schema"


# --------------------------------------------------------------------------- TGI format


def test_tgi_format(mode: str, emu: Emulator) -> None:
    emu.script(Script(text=UNICODE))
    c = complete(mode, emu, sagemaker_format="tgi", max_tokens=20, temperature=0.5, top_k=40, stop=["\n\n"])
    assert c.text == UNICODE and c.raw_finish_reason == "eos_token"
    assert c.finish_reason is FinishReason.STOP and c.usage.output_tokens > 0
    body = emu.requests[-1].json()
    assert body == {
        "inputs": "Hi there",
        "parameters": {
            "max_new_tokens": 20,
            "temperature": 0.5,
            "stop": ["\n\n"],
            "top_k": 40,
            "details": True,
        },
    }


def test_tgi_stream_split_across_parts(mode: str, emu: Emulator) -> None:
    emu.script(Script(text=UNICODE, finish_reason="length", extra={"part_sizes": [2, 1, 5]}))
    _, c = stream(mode, emu, sagemaker_format="tgi")
    assert c.text == UNICODE
    assert c.finish_reason is FinishReason.LENGTH and c.raw_finish_reason == "length"
    assert "</s>" not in c.text  # the special end token is not text
    assert emu.requests[-1].json()["stream"] is True
    assert "x-amzn-sagemaker-accept" not in last_headers(emu)


def test_tgi_has_no_tools(emu: Emulator) -> None:
    with pytest.raises(NotSupportedError):
        complete("sync", emu, sagemaker_format="tgi", tools=[Tool("f")])


def test_tgi_conversation_as_text(emu: Emulator) -> None:
    history = [
        Message("system", "Be brief."),
        Message("user", "Hi"),
        Message("assistant", "Hello"),
        Message("user", "Bye"),
    ]
    complete("sync", emu, history, sagemaker_format="tgi")
    assert (
        emu.requests[-1].json()["inputs"]
        == "system: Be brief.\n\nuser: Hi\n\nassistant: Hello\n\nuser: Bye\n\nassistant:"
    )


# --------------------------------------------------------------------------- raw format


def test_raw_format(mode: str, emu: Emulator) -> None:
    emu.script(Script(extra={"raw_reply": '{"result": "ok ✓"}'}))
    c = complete(
        mode, emu, sagemaker_format="raw", raw_body=b'{"features": [1, 2, 3]}', accept="application/json"
    )
    assert c.text == '{"result": "ok ✓"}' and c.raw == {"result": "ok ✓"}
    req = emu.requests[-1]
    assert req.body == b'{"features": [1, 2, 3]}'
    assert req.headers["content-type"] == "application/octet-stream"
    c2 = complete(
        mode, emu, sagemaker_format="raw", extra_body={"prompt": "x"}, content_type="application/x-custom"
    )
    assert emu.requests[-1].headers["content-type"] == "application/x-custom"
    assert c2.text == '{"prompt":"x"}'  # the echoing container


def test_raw_stream(mode: str, emu: Emulator) -> None:
    emu.script(Script(extra={"raw_reply": UNICODE, "part_sizes": [1]}))
    events, c = stream(mode, emu, sagemaker_format="raw", raw_body="go", accept="text/plain")
    assert c.text == UNICODE
    assert len([e for e in events if isinstance(e, TextDelta)]) < len(UNICODE.encode())
    assert last_headers(emu)["x-amzn-sagemaker-accept"] == "text/plain"


def test_raw_needs_a_body(emu: Emulator) -> None:
    with pytest.raises(ConfigurationError, match="raw_body"):
        complete("sync", emu, sagemaker_format="raw")
    with pytest.raises(ConfigurationError, match="sagemaker_format"):
        complete("sync", emu, sagemaker_format="jsonlines")
    assert emu.requests == []


# --------------------------------------------------------------------------- headers


def test_sagemaker_headers(mode: str, emu: Emulator) -> None:
    complete(
        mode,
        emu,
        custom_attributes="accept_eula=true",
        target_variant="variant-b",
        target_model="model-2.tar.gz",
        target_container_hostname="container-1",
        inference_component="my-component",
        session_id="NEW_SESSION",
        inference_id="trace-123",
    )
    h = last_headers(emu)
    assert h["x-amzn-sagemaker-custom-attributes"] == "accept_eula=true"
    assert h["x-amzn-sagemaker-target-variant"] == "variant-b"
    assert h["x-amzn-sagemaker-target-model"] == "model-2.tar.gz"
    assert h["x-amzn-sagemaker-target-container-hostname"] == "container-1"
    assert h["x-amzn-sagemaker-inference-component"] == "my-component"
    assert h["x-amzn-sagemaker-session-id"] == "NEW_SESSION"
    assert h["x-amzn-sagemaker-inference-id"] == "trace-123"
    # Every one of them is signed.
    for name in ("custom-attributes", "target-variant", "inference-component", "session-id"):
        assert f"x-amzn-sagemaker-{name}" in h["authorization"]
    with pytest.raises(ConfigurationError, match="target_model"):
        stream(mode, emu, target_model="m.tar.gz")


def test_eula_custom_attribute(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="ok", extra={"require_eula": True}))
    assert complete(mode, emu, custom_attributes="accept_eula=true").text == "ok"
    emu.script(Script(extra={"require_eula": True}))
    with pytest.raises(BadRequestError) as info:
        complete(mode, emu)
    err = info.value
    assert err.status_code == 424 and err.error_type == "ModelError" and err.error_code == "400"
    assert "accept_eula=true" in err.message
    assert isinstance(err.body, dict) and err.body["OriginalStatusCode"] == 400
    assert err.attempts == 1


def test_inference_component_required(emu: Emulator) -> None:
    emu.script(Script(extra={"require_component": True}))
    with pytest.raises(BadRequestError, match="Inference Component Name header is required"):
        complete("sync", emu)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("error", "cls"),
    [
        (ScriptedError(424, "CUDA out of memory", code="500"), ServerError),
        (
            ScriptedError(
                424, "Input validation error: `inputs` must have less than 4096 tokens", code="422"
            ),
            BadRequestError,
        ),
        (ScriptedError(400, "Endpoint my-llm-endpoint of account 123456789012 not found."), BadRequestError),
        (ScriptedError(429, "Model is not ready"), RateLimitError),
        (ScriptedError(503, "Service unavailable"), ServerError),
    ],
)
def test_http_errors(mode: str, emu: Emulator, error: ScriptedError, cls: type[ProviderError]) -> None:
    emu.script(Script(error=error))
    with pytest.raises(cls) as info:
        complete(mode, emu, max_retries=0)
    assert info.value.status_code == error.status
    assert error.message in info.value.message


def test_model_stream_error_keeps_partial(mode: str, emu: Emulator) -> None:
    err = ScriptedError(424, "Model stream error: container exited", code="ModelStreamError")
    emu.script(Script(text="alpha beta gamma delta", fault="stream_error", error=err, after=3))
    with pytest.raises(ServerError) as info:
        stream(mode, emu, sagemaker_format="tgi")
    assert info.value.error_type == "ModelStreamError" and info.value.error_code == "ModelStreamError"
    assert info.value.partial is not None and info.value.partial.text == "alpha beta gamma"


def test_container_error_inside_the_stream(mode: str, emu: Emulator) -> None:
    err = ScriptedError(200, "Input validation error: `max_new_tokens` is too large", type="validation")
    emu.script(
        Script(text="alpha beta", fault="stream_error", error=err, after=1, extra={"in_payload": True})
    )
    with pytest.raises(BadRequestError, match="max_new_tokens") as info:
        stream(mode, emu, sagemaker_format="tgi")
    assert info.value.error_type == "validation"


def test_corrupt_frame_and_cut(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="alpha beta gamma", fault="malformed", after=2))
    with pytest.raises(ResponseDecodeError, match="checksum"):
        stream(mode, emu)
    emu.script(
        Script(text="alpha beta gamma delta epsilon", fault="cut", after=3, extra={"part_sizes": [300]})
    )
    with pytest.raises(StreamInterruptedError):
        stream(mode, emu)


def test_bad_signature(mode: str, emu: Emulator) -> None:
    with pytest.raises(AuthenticationError, match="signature we calculated does not match"):
        complete(mode, emu, aws_access_key_id=ACCESS_KEY, aws_secret_access_key="wrong-secret")


def test_bedrock_signing_name_is_refused(emu: Emulator) -> None:
    # A request signed for the wrong service is refused, as SageMaker does.
    from llmkit.auth.aws import SigV4Auth
    from llmkit.auth.sigv4 import AwsCredentials
    from llmkit.wire import HttpRequest

    url = emu.base_url("sagemaker") + "/endpoints/my-llm-endpoint/invocations"
    request = HttpRequest("POST", url, {"content-type": "application/json"}, b"{}")
    auth = SigV4Auth(lambda: AwsCredentials(ACCESS_KEY, SECRET_KEY), "us-east-1", "bedrock")
    flow = auth.auth_flow(request)
    with pytest.raises(StopIteration) as done:
        next(flow)
    signed = done.value.value
    import httpx2

    r = httpx2.post(signed.url, headers=signed.headers, content=signed.body)
    assert r.status_code == 403 and r.headers["x-amzn-errortype"].startswith("InvalidSignatureException")


# --------------------------------------------------------------------------- recorded examples


def _ctx() -> CallContext:
    return CallContext(
        get_spec("sagemaker"), "my-llm-endpoint", "https://runtime.sagemaker.us-east-1.amazonaws.com"
    )


def _frames(data: bytes, size: int) -> bytes:
    return b"".join(
        encode_event("PayloadPart", p, content_type="application/octet-stream")
        for p in split_parts(data, [size])
    )


@pytest.mark.parametrize("name", ["messages_stream.sse", "tgi_generate_stream.txt"])
def test_fixture_streams_decode_whatever_the_parts(name: str) -> None:
    assert (FIXTURES / f"{name}.source.md").exists()
    data = (FIXTURES / name).read_bytes()
    fmt = "messages" if name.startswith("messages") else "tgi"
    expected = "Grüß Gott ☕" if fmt == "messages" else " Deep learning is ë"
    req = ChatRequest(model="my-llm-endpoint", messages=[], stream=True, options={"sagemaker_format": fmt})
    for part_size in (1, 2, 3, 7, len(data)):
        body = _frames(data, part_size)
        for read_size in (1, 13, len(body)):
            decoder = DIALECT.stream_decoder(req, _ctx())
            assert isinstance(decoder, SageMakerStreamDecoder)
            events: list[StreamEvent] = []
            for i in range(0, len(body), read_size):
                events.extend(decoder.feed(body[i : i + read_size]))
            assert decoder.done
            assert "".join(e.text for e in events if isinstance(e, TextDelta)) == expected


def test_fixture_tgi_generate() -> None:
    data = json.loads((FIXTURES / "tgi_generate.json").read_text())
    req = ChatRequest(
        model="my-llm-endpoint",
        messages=[Message("user", data["request"]["inputs"])],
        max_tokens=data["request"]["parameters"]["max_new_tokens"],
        options={"sagemaker_format": "tgi"},
    )
    assert DIALECT.build_chat(req, _ctx()).json == data["request"]
    c = DIALECT.parse_chat(HttpResponse(200, {}, json.dumps(data["response"]).encode()), req, _ctx())
    assert c.text == data["response"][0]["generated_text"]
    assert c.finish_reason is FinishReason.LENGTH and c.usage.output_tokens == 20


def test_fixture_model_error() -> None:
    data = json.loads((FIXTURES / "model_error_eula.json").read_text())
    resp = HttpResponse(data["status"], data["headers"], json.dumps(data["body"]).encode())
    err = DIALECT.parse_error(resp, _ctx())
    # The container answered 424 itself: not a 4xx the caller can fix by editing the prompt,
    # but typed by the container's status all the same.
    assert type(err) is BadRequestError
    assert err.error_type == "ModelError" and err.error_code == "424"
    assert "accept_eula=true" in err.message and err.retryable is False
