"""Bedrock end to end over loopback, sync and async, through the public API: every request is
SigV4-signed by llmkit and verified by the emulator's Bedrock handler; streams are real
event-stream frames. Plus the recorded examples in ``tests/fixtures/bedrock``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import llmkit.auth.aws as aws_auth
from llmkit import AsyncClient, Client
from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest
from llmkit.dialects.bedrock import DIALECT, BedrockConverseStreamDecoder, build_body
from llmkit.emulator import Emulator, Script, ScriptedCall, ScriptedError
from llmkit.emulator.bedrock import (
    ACCESS_KEY,
    BEDROCK_API_KEY,
    SECRET_KEY,
    SESSION_ACCESS_KEY,
    SESSION_SECRET_KEY,
    SESSION_TOKEN,
)
from llmkit.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    NotFoundError,
    NotSupportedError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    StreamInterruptedError,
)
from llmkit.framing.eventstream_encode import encode_event
from llmkit.providers import get_spec
from llmkit.types import (
    Completion,
    Embeddings,
    Finish,
    FinishReason,
    Message,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    Tool,
    ToolCall,
    ToolCallDelta,
    UsageUpdate,
)
from llmkit.wire import HttpResponse

MODEL = "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bedrock"
WEATHER = Tool(
    "get_weather",
    "Current weather for a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test credentials in the environment; no real AWS configuration is ever read."""
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_REGION", "us-east-1")


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def complete(
    mode: str, emu: Emulator, messages: Any = "Hi there", model: str = MODEL, **kw: Any
) -> Completion:
    kw.setdefault("base_url", emu.base_url("bedrock"))
    if mode == "sync":
        with Client() as client:
            return client.complete(model, messages, **kw)

    async def go() -> Completion:
        async with AsyncClient() as client:
            return await client.complete(model, messages, **kw)

    return asyncio.run(go())


def stream(
    mode: str, emu: Emulator, messages: Any = "Hi there", model: str = MODEL, **kw: Any
) -> tuple[list[StreamEvent], Completion]:
    kw.setdefault("base_url", emu.base_url("bedrock"))
    if mode == "sync":
        with Client() as client, client.stream(model, messages, **kw) as s:
            events = list(s)
            return events, s.completion

    async def go() -> tuple[list[StreamEvent], Completion]:
        async with AsyncClient() as client:
            s = client.stream(model, messages, **kw)
            async with s:
                events = [e async for e in s]
            return events, s.completion

    return asyncio.run(go())


def embed(mode: str, emu: Emulator, model: str, inputs: Any, **kw: Any) -> Embeddings:
    kw.setdefault("base_url", emu.base_url("bedrock"))
    if mode == "sync":
        with Client() as client:
            return client.embed(model, inputs, **kw)

    async def go() -> Embeddings:
        async with AsyncClient() as client:
            return await client.embed(model, inputs, **kw)

    return asyncio.run(go())


def authorization(emu: Emulator) -> str:
    return emu.requests[-1].headers["authorization"]


# --------------------------------------------------------------------------- chat


def test_completion_is_signed_and_verified(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="Hello from Bedrock", input_tokens=12, output_tokens=4, cached_tokens=3))
    c = complete(mode, emu, max_tokens=50, temperature=0.2)
    assert c.text == "Hello from Bedrock"
    assert c.finish_reason is FinishReason.STOP and c.raw_finish_reason == "end_turn"
    assert (c.usage.input_tokens, c.usage.output_tokens, c.usage.total_tokens) == (12, 4, 16)
    assert c.usage.cached_input_tokens == 3
    req = emu.requests[-1]
    # The model id is one path segment with ":" encoded, and it was signed as sent.
    assert req.full_path == "/bedrock/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"
    assert authorization(emu).startswith(f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/")
    assert "/us-east-1/bedrock/aws4_request" in authorization(emu)
    assert req.json()["inferenceConfig"] == {"maxTokens": 50, "temperature": 0.2}


def test_arn_model_id_is_signed_as_sent(mode: str, emu: Emulator) -> None:
    # An inference-profile ARN holds ":" and "/": both travel encoded in one path segment, and
    # neither transport may re-encode or decode them after signing.
    profile = "us.anthropic.claude-3-5-sonnet-20240620-v1:0"
    arn = f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/{profile}"
    c = complete(mode, emu, model=f"bedrock/{arn}")
    assert c.text
    assert emu.requests[-1].path == (
        "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2F"
        "us.anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"
    )


def test_session_credentials_by_keyword(mode: str, emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    c = complete(
        mode,
        emu,
        aws_access_key_id=SESSION_ACCESS_KEY,
        aws_secret_access_key=SESSION_SECRET_KEY,
        aws_session_token=SESSION_TOKEN,
    )
    assert c.text.startswith("Hello from the llmkit emulator")
    assert emu.requests[-1].headers["x-amz-security-token"] == SESSION_TOKEN
    assert "x-amz-security-token" in authorization(emu)


def test_profile_through_botocore_chain(
    mode: str, emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("botocore.session")
    shared = tmp_path / "credentials"
    shared.write_text(f"[emu]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(shared))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    complete(mode, emu, aws_profile="emu")
    assert authorization(emu).startswith(f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/")
    with pytest.raises(ConfigurationError, match="botocore could not load AWS credentials"):
        complete(mode, emu, aws_profile="missing")


def test_credentials_object_or_callable(mode: str, emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    from llmkit.auth.sigv4 import AwsCredentials

    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    calls: list[int] = []

    def provider() -> AwsCredentials:
        calls.append(1)
        return AwsCredentials(SESSION_ACCESS_KEY, SESSION_SECRET_KEY, SESSION_TOKEN)

    complete(mode, emu, aws_credentials=provider)
    complete(mode, emu, aws_credentials=AwsCredentials(ACCESS_KEY, SECRET_KEY))
    assert calls == [1]  # asked once per request, so a provider can refresh


def test_environment_is_read_per_request(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    # The client caches a resolved call without options; new AWS_* values must still be used.
    with Client() as client:
        client.complete(MODEL, "one", base_url=emu.base_url("bedrock"))
        assert f"Credential={ACCESS_KEY}/" in authorization(emu)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", SESSION_ACCESS_KEY)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SESSION_SECRET_KEY)
        monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
        client.complete(MODEL, "two", base_url=emu.base_url("bedrock"))
        assert f"Credential={SESSION_ACCESS_KEY}/" in authorization(emu)
        assert emu.requests[-1].headers["x-amz-security-token"] == SESSION_TOKEN


def test_region_option_wins_and_is_checked(mode: str, emu: Emulator) -> None:
    # The emulator only accepts us-east-1 scopes: eu-west-1 is refused with AWS's own error.
    with pytest.raises(AuthenticationError, match="Credential should be scoped to"):
        complete(mode, emu, region="eu-west-1", max_retries=0)
    assert "/eu-west-1/bedrock/" in authorization(emu)


def test_stream_text_in_documented_order(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="one two three", input_tokens=7, output_tokens=3))
    events, c = stream(mode, emu)
    texts = [e.text for e in events if isinstance(e, TextDelta)]
    assert "".join(texts) == "one two three" and len(texts) == 3
    kinds = [type(e) for e in events]
    # messageStop (Finish) comes before metadata (usage), as Bedrock sends them.
    assert kinds[-2:] == [Finish, UsageUpdate]
    assert c.text == "one two three"
    assert (c.usage.input_tokens, c.usage.output_tokens) == (7, 3)
    assert emu.requests[-1].path.endswith("/converse-stream")


def test_tool_call_and_result_round_trip(mode: str, emu: Emulator) -> None:
    call = ScriptedCall("get_weather", {"city": "Paris"}, id="tooluse_emu_paris")
    emu.script(Script(tool_calls=[call]))
    first = complete(mode, emu, "Weather in Paris?", tools=[WEATHER], tool_choice="required")
    assert first.finish_reason is FinishReason.TOOL_CALLS
    assert first.tool_calls == [ToolCall("tooluse_emu_paris", "get_weather", {"city": "Paris"})]
    sent = emu.requests[-1].json()
    assert sent["toolConfig"]["toolChoice"] == {"any": {}}
    # Send the result back: the emulator checks it answers the tool use of the previous turn.
    history = [
        Message("user", "Weather in Paris?"),
        first.message,
        Message("tool", "18 C and sunny", tool_call_id="tooluse_emu_paris"),
    ]
    second = complete(mode, emu, history, tools=[WEATHER])
    assert "18 C and sunny" in second.text
    bad = [*history[:2], Message("tool", "x", tool_call_id="tooluse_other")]
    with pytest.raises(BadRequestError, match="does not match a toolUse"):
        complete(mode, emu, bad, tools=[WEATHER])


def test_stream_tool_call(mode: str, emu: Emulator) -> None:
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Zürich ✓"}, id="tooluse_z")]))
    events, c = stream(mode, emu, "Weather?", tools=[WEATHER])
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    assert deltas[0].id == "tooluse_z" and deltas[0].name == "get_weather"
    assert len(deltas) > 2  # the input arrives as JSON fragments
    assert c.tool_calls[0].arguments == {"city": "Zürich ✓"}
    assert c.finish_reason is FinishReason.TOOL_CALLS


def test_reasoning(mode: str, emu: Emulator) -> None:
    thinking = {"type": "enabled", "budget_tokens": 1024}
    emu.script(Script(text="42", reasoning="Six times seven."))
    c = complete(mode, emu, "6*7?", thinking=thinking)
    assert c.reasoning == "Six times seven." and c.text == "42"
    assert emu.requests[-1].json()["additionalModelRequestFields"] == {"thinking": thinking}
    emu.script(Script(text="42", reasoning="Six times seven."))
    events, s = stream(mode, emu, "6*7?", thinking=thinking)
    assert any(isinstance(e, ReasoningDelta) and e.signature for e in events)
    assert s.reasoning == "Six times seven." and s.text == "42"
    signature = s.message.parts[0].signature  # type: ignore[union-attr]
    assert signature and signature.startswith("EmuSig")


def test_structured_output(mode: str, emu: Emulator) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    c = complete(mode, emu, "Where?", response_format=schema)
    assert c.parsed == {"city": "example"}
    sent = emu.requests[-1].json()["outputConfig"]["textFormat"]
    assert sent["type"] == "json_schema" and json.loads(sent["structure"]["jsonSchema"]["schema"]) == schema


def test_count_tokens(emu: Emulator) -> None:
    with Client() as client:
        count = client.count_tokens(MODEL, "How many tokens?", base_url=emu.base_url("bedrock"))
    assert count.exact and count.input_tokens > 0
    assert emu.requests[-1].path.endswith("/count-tokens")


# --------------------------------------------------------------------------- embeddings


def test_titan_embeddings(mode: str, emu: Emulator) -> None:
    e = embed(
        mode, emu, "bedrock/amazon.titan-embed-text-v2:0", "hello world", dimensions=256, normalize=True
    )
    assert len(e.vectors) == 1 and len(e.vectors[0]) == 256
    assert abs(sum(x * x for x in e.vectors[0]) - 1.0) < 1e-3
    assert e.usage.input_tokens == 2
    req = emu.requests[-1]
    assert req.full_path == "/bedrock/model/amazon.titan-embed-text-v2%3A0/invoke"
    assert req.json() == {"inputText": "hello world", "dimensions": 256, "normalize": True}
    # Titan takes one text per request: embed() sends one request per text, in order.
    emu.reset()
    two = embed(mode, emu, "bedrock/amazon.titan-embed-text-v2:0", ["a", "b c"])
    assert [r.json()["inputText"] for r in emu.requests] == ["a", "b c"]
    assert len(two.vectors) == 2 and two.usage.input_tokens == 3


def test_cohere_embeddings(mode: str, emu: Emulator) -> None:
    e = embed(
        mode, emu, "bedrock/cohere.embed-english-v3", ["alpha", "beta gamma"], input_type="search_query"
    )
    assert len(e.vectors) == 2 and all(len(v) == 1024 for v in e.vectors)
    assert e.usage.input_tokens == 3  # from X-Amzn-Bedrock-Input-Token-Count
    assert emu.requests[-1].json() == {"texts": ["alpha", "beta gamma"], "input_type": "search_query"}
    typed = embed(mode, emu, "bedrock/cohere.embed-english-v3", ["x"], embedding_types=["float", "int8"])
    assert len(typed.vectors[0]) == 1024


def test_embeddings_of_other_models_are_refused(emu: Emulator) -> None:
    with pytest.raises(NotSupportedError):
        embed("sync", emu, "bedrock/meta.llama3-1-70b-instruct-v1:0", "x")
    assert emu.requests == []


# --------------------------------------------------------------------------- auth failures


def test_bad_secret_gets_aws_signature_error(mode: str, emu: Emulator) -> None:
    with pytest.raises(AuthenticationError) as info:
        complete(mode, emu, aws_access_key_id=ACCESS_KEY, aws_secret_access_key="not-the-secret")
    err = info.value
    assert err.status_code == 403 and err.error_type == "InvalidSignatureException"
    assert "The request signature we calculated does not match the signature you provided" in err.message
    assert err.attempts == 1  # an auth failure is not retried


def test_unknown_key_and_stale_date(mode: str, emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(AuthenticationError, match="security token included in the request is invalid"):
        complete(mode, emu, aws_access_key_id="AKIDSTRANGER", aws_secret_access_key=SECRET_KEY)
    stale = datetime.now(UTC) - timedelta(minutes=20)
    monkeypatch.setattr(aws_auth, "utcnow", lambda: stale)
    with pytest.raises(AuthenticationError, match="Signature expired") as info:
        complete(mode, emu)
    assert info.value.error_type == "InvalidSignatureException"


def test_bedrock_api_key_as_bearer(mode: str, emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    complete(mode, emu, api_key=BEDROCK_API_KEY)
    assert authorization(emu) == f"Bearer {BEDROCK_API_KEY}"
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", BEDROCK_API_KEY)
    complete(mode, emu)
    assert authorization(emu) == f"Bearer {BEDROCK_API_KEY}"
    # Explicit AWS keys win over the API key.
    complete(mode, emu, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    assert authorization(emu).startswith("AWS4-HMAC-SHA256")
    with pytest.raises(PermissionDeniedError):
        complete(mode, emu, api_key="ABSK-wrong")


def test_configuration_errors(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION")
    with pytest.raises(ConfigurationError, match="region"):
        complete("sync", emu)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(ConfigurationError, match="AWS_SECRET_ACCESS_KEY"):
        complete("sync", emu)
    assert emu.requests == []


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("status", "etype", "cls"),
    [
        (400, "ValidationException", BadRequestError),
        (403, "AccessDeniedException", PermissionDeniedError),
        (404, "ResourceNotFoundException", NotFoundError),
        (424, "ModelErrorException", ServerError),
        (429, "ThrottlingException", RateLimitError),
    ],
)
def test_http_errors(mode: str, emu: Emulator, status: int, etype: str, cls: type[ProviderError]) -> None:
    emu.script(Script(error=ScriptedError(status, f"scripted {etype}")))
    with pytest.raises(cls) as info:
        complete(mode, emu, max_retries=0)
    assert info.value.status_code == status and info.value.error_type == etype
    assert info.value.message.endswith(f"scripted {etype}")
    assert info.value.request_id  # x-amzn-RequestId


@pytest.mark.parametrize(
    ("etype", "cls"),
    [
        ("throttlingException", RateLimitError),
        ("validationException", BadRequestError),
        ("modelStreamErrorException", ServerError),
        ("serviceUnavailableException", ServerError),
    ],
)
def test_in_stream_exception_keeps_partial(
    mode: str, emu: Emulator, etype: str, cls: type[ProviderError]
) -> None:
    error = ScriptedError(200, f"in-stream {etype}", type=etype, code="503")
    emu.script(Script(text="alpha beta gamma delta", fault="stream_error", error=error, after=3))
    with pytest.raises(cls) as info:
        stream(mode, emu)
    err = info.value
    assert err.error_type == etype and err.message.endswith(f"in-stream {etype}") and err.status_code is None
    assert err.partial is not None and err.partial.text == "alpha beta"


def test_exception_frame_in_the_same_read_as_deltas() -> None:
    from llmkit._stream import _StreamCore
    from llmkit.framing.eventstream_encode import encode_exception

    ctx = _ctx(MODEL)
    body = encode_event("messageStart", b'{"role":"assistant"}') + encode_event(
        "contentBlockDelta", b'{"contentBlockIndex":0,"delta":{"text":"kept"}}'
    )
    body += encode_exception("throttlingException", b'{"message":"slow down"}')
    core = _StreamCore(lambda: BedrockConverseStreamDecoder(ctx), "bedrock", MODEL, None, None, lambda: 0.0)
    with pytest.raises(RateLimitError) as info:
        core.feed(body)
    assert info.value.partial is not None and info.value.partial.text == "kept"


def test_corrupt_frame_is_a_typed_error(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="alpha beta gamma", fault="malformed", after=2))
    with pytest.raises(ResponseDecodeError, match="checksum mismatch"):
        stream(mode, emu)


def test_cut_mid_stream_keeps_partial(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="alpha beta gamma delta", fault="cut", after=3))
    with pytest.raises(StreamInterruptedError) as info:
        stream(mode, emu)
    assert info.value.partial is not None and info.value.partial.text == "alpha beta"
    # A stream that ends cleanly but before messageStop is incomplete too.
    emu.script(Script(text="alpha beta gamma delta", fault="no_terminator", after=3))
    with pytest.raises(StreamInterruptedError, match="terminating event") as ended:
        stream(mode, emu)
    assert ended.value.partial is not None and ended.value.partial.text == "alpha beta"


def test_retry_is_signed_again_with_a_fresh_date(
    mode: str, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = datetime.now(UTC) - timedelta(seconds=30)
    ticks: Iterator[int] = iter(range(0, 1000, 7))
    monkeypatch.setattr(aws_auth, "utcnow", lambda: start + timedelta(seconds=next(ticks)))
    throttled = ScriptedError(429, "Too many requests", headers={"retry-after-ms": "0"})
    emu.script(Script(error=throttled), Script(text="second time lucky"))
    c = complete(mode, emu, max_retries=2)
    assert c.text == "second time lucky"
    first, second = emu.requests[-2:]
    assert first.headers["x-amz-date"] != second.headers["x-amz-date"]
    assert first.headers["authorization"] != second.headers["authorization"]
    # The retry counter header is part of what the second signature covers.
    assert "x-llmkit-retry-count" in second.headers["authorization"]


def test_unmodelled_emulator_routes_answer_aws_errors(emu: Emulator) -> None:
    with pytest.raises(BadRequestError, match="must start with a user message"):
        complete("sync", emu, [Message("assistant", "I speak first")])


# --------------------------------------------------------------------------- recorded examples


def _ctx(model: str) -> CallContext:
    spec = get_spec("bedrock")
    return CallContext(
        spec, model, "https://bedrock-runtime.us-east-1.amazonaws.com", {}, {"region": "us-east-1"}
    )


def _fixture(name: str) -> Any:
    assert (FIXTURES / f"{name}.source.md").exists()
    return json.loads((FIXTURES / name).read_text())


def test_fixture_converse_tool_use() -> None:
    data = _fixture("converse_tool_use.json")
    model = data["modelId"]
    req = ChatRequest(
        model=model,
        messages=[Message("user", data["request"]["messages"][0]["content"][0]["text"])],
        tools=[
            Tool(t["toolSpec"]["name"], t["toolSpec"]["description"], t["toolSpec"]["inputSchema"]["json"])
            for t in data["request"]["toolConfig"]["tools"]
        ],
    )
    assert build_body(req) == data["request"]
    resp = HttpResponse(200, {"x-amzn-requestid": "rid"}, json.dumps(data["response"]).encode())
    c = DIALECT.parse_chat(resp, req, _ctx(model))
    assert c.finish_reason is FinishReason.TOOL_CALLS
    use = data["response"]["output"]["message"]["content"][-1]["toolUse"]
    assert c.tool_calls == [ToolCall(use["toolUseId"], use["name"], use["input"])]


def test_fixture_converse_stream_decodes_split_anywhere() -> None:
    data = _fixture("converse_stream_tool_use.json")
    body = b"".join(encode_event(e["event"], json.dumps(e["payload"]).encode()) for e in data["events"])
    expected = data["expected"]
    for step in (1, 3, 64, len(body)):
        decoder = BedrockConverseStreamDecoder(_ctx(data["modelId"]))
        events: list[StreamEvent] = []
        for i in range(0, len(body), step):
            events.extend(decoder.feed(body[i : i + step]))
        assert decoder.done
        text = "".join(e.text for e in events if isinstance(e, TextDelta))
        args = "".join(e.arguments_delta for e in events if isinstance(e, ToolCallDelta))
        assert text == expected["text"] and json.loads(args) == expected["tool_input"]
        usage = [e.usage for e in events if isinstance(e, UsageUpdate)][-1]
        assert (
            usage.input_tokens == expected["inputTokens"] and usage.output_tokens == expected["outputTokens"]
        )


def test_fixture_converse_stream_matches_botocore_service_model() -> None:
    """The recorded events parse with botocore's own event-stream parser for ConverseStream."""
    parsers = pytest.importorskip("botocore.parsers")
    session = pytest.importorskip("botocore.session")
    eventstream = pytest.importorskip("botocore.eventstream")
    data = _fixture("converse_stream_tool_use.json")
    body = b"".join(encode_event(e["event"], json.dumps(e["payload"]).encode()) for e in data["events"])
    model = session.get_session().get_service_model("bedrock-runtime")
    shape = model.operation_model("ConverseStream").output_shape.members["stream"]
    parser = parsers.EventStreamJSONParser()
    parsed = list(eventstream.EventStream(_RawStream(body), shape, parser, "ConverseStream"))
    names = [next(k for k in p if k != "ResponseMetadata") for p in parsed]
    assert names == [e["event"] for e in data["events"]]
    for event, got in zip(data["events"], parsed, strict=True):
        members = shape.members[event["event"]].members
        modelled = {k: v for k, v in event["payload"].items() if k != "p"}
        assert set(modelled) <= set(members)
        # botocore keeps every modelled member as sent and drops the "p" padding.
        assert got[event["event"]] == modelled


class _RawStream:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self) -> Iterator[bytes]:
        for i in range(0, len(self._data), 5):
            yield self._data[i : i + 5]

    def close(self) -> None:
        pass


def test_fixture_titan_and_cohere_embeddings() -> None:
    titan = _fixture("titan_embed_text_v2.json")
    req = EmbedRequest(titan["modelId"], [titan["request"]["inputText"]], titan["request"]["dimensions"])
    req.options = {"normalize": titan["request"]["normalize"]}
    assert DIALECT.build_embed(req, _ctx(titan["modelId"])).json == titan["request"]
    e = DIALECT.parse_embed(
        HttpResponse(200, {}, json.dumps(titan["response"]).encode()), req, _ctx(titan["modelId"])
    )
    assert e.vectors == [titan["response"]["embedding"]]
    assert e.usage.input_tokens == titan["response"]["inputTextTokenCount"]

    cohere = _fixture("cohere_embed_v3.json")
    creq = EmbedRequest(
        cohere["modelId"], cohere["request"]["texts"], options={"input_type": "search_document"}
    )
    assert DIALECT.build_embed(creq, _ctx(cohere["modelId"])).json == cohere["request"]
    ce = DIALECT.parse_embed(
        HttpResponse(200, {}, json.dumps(cohere["response"]).encode()), creq, _ctx(cohere["modelId"])
    )
    assert ce.vectors == cohere["response"]["embeddings"]


def test_fixture_errors() -> None:
    for name, cls in (("error_throttling.json", RateLimitError), ("error_validation.json", BadRequestError)):
        data = _fixture(name)
        resp = HttpResponse(data["status"], data["headers"], json.dumps(data["body"]).encode())
        err = DIALECT.parse_error(resp, _ctx(MODEL))
        assert type(err) is cls
        assert err.message.endswith(data["body"]["message"])
        assert err.error_type == data["headers"]["x-amzn-errortype"].split(":")[0]
