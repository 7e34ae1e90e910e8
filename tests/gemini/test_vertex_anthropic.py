"""Claude on Vertex AI: the Anthropic dialect with the Vertex quirks, end to end over loopback,
and held against the official ``anthropic`` SDK's ``AnthropicVertex`` client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import quote, unquote

import httpx2
import pytest

import anthropic
import llmkit
from llmkit.dialects.anthropic import DIALECT, AnthropicQuirks
from llmkit.dialects.base import CallContext, ChatRequest
from llmkit.emulator import Emulator, Script, ScriptedCall, ScriptedError, add_profile, google_oauth
from llmkit.emulator import gemini as emu_gemini
from llmkit.errors import AuthenticationError, NotFoundError
from llmkit.functions import default_async_client
from llmkit.providers import get_spec
from llmkit.providers.google_anthropic import VERTEX_ANTHROPIC
from llmkit.types import Completion, FinishReason, Message, StreamEvent, TextDelta, ToolCallDelta

for _profile in (emu_gemini.VERTEX, google_oauth.PROFILE):
    add_profile(_profile)

PROVIDER = "vertex_ai_anthropic"
NAME = "claude-sonnet-4-5@20250929"
MODEL = f"{PROVIDER}/{NAME}"
# The model as its one path segment: "@" percent-encoded, as google.api.http does for a
# one-segment variable (Google decodes it back).
SEGMENT = quote(NAME, safe="")
PROJECT = "test-proj"
LOCATION = "us-east5"
CLIENT_ID = "loopback-client.apps.googleusercontent.com"
CLIENT_SECRET = "loopback-client-secret"
REFRESH = "1//loopback-refresh-token"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
T = TypeVar("T")


def run(make: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        try:
            return await make()
        finally:
            await default_async_client().aclose()

    return asyncio.run(main())


def _root(emu: Emulator) -> str:
    return f"{emu.url}/vertex_ai/v1/projects/{PROJECT}/locations/{LOCATION}"


@pytest.fixture
def kw(emu: Emulator) -> dict[str, Any]:
    """A user credential whose refresh token the emulator's Google OAuth endpoint honours."""
    google_oauth.register_user(emu, CLIENT_ID, CLIENT_SECRET, REFRESH)
    google_oauth.set_token_lifetime(emu, 3599)
    credentials = {
        "type": "authorized_user",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH,
        "token_uri": f"{emu.url}/google_oauth/token",
    }
    return {
        "base_url": _root(emu),
        "project": PROJECT,
        "location": LOCATION,
        "credentials": credentials,
        "max_retries": 0,
    }


def _partner_requests(emu: Emulator) -> list[Any]:
    return [r for r in emu.requests if "/publishers/anthropic/" in r.full_path]


def _last(emu: Emulator) -> Any:
    return _partner_requests(emu)[-1]


def _text(events: list[StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


# ---------------------------------------------------------------- pure: the request shape


def _ctx(location: str = LOCATION) -> CallContext:
    spec = get_spec(PROVIDER)
    params = {"project": PROJECT, "location": location}
    return CallContext(spec, NAME, spec.base_url.format_map(params), params=params)


def test_spec_is_data_on_the_anthropic_dialect() -> None:
    spec = get_spec(PROVIDER)
    assert spec.dialect == "anthropic_messages"
    assert spec.quirks is VERTEX_ANTHROPIC
    assert spec.auth_factory == "llmkit.auth.google:vertex_auth"
    assert "anthropic-version" not in {k.lower() for k in spec.default_headers}
    assert {"chat", "stream", "tools", "count_tokens"} <= spec.capabilities


def test_request_shape_message_stream_and_count() -> None:
    ctx = _ctx()
    req = ChatRequest(NAME, [Message("user", "Hi")], max_tokens=64)
    http = DIALECT.build_chat(req, ctx)
    root = f"https://us-east5-aiplatform.googleapis.com/v1/projects/{PROJECT}/locations/us-east5"
    assert http.url == f"{root}/publishers/anthropic/models/{SEGMENT}:rawPredict"
    assert http.json == {
        "anthropic_version": "vertex-2023-10-16",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "Hi"}],
    }
    assert "anthropic-version" not in http.headers

    streamed = DIALECT.build_chat(ChatRequest(NAME, [Message("user", "Hi")], stream=True), ctx)
    assert streamed.url == f"{root}/publishers/anthropic/models/{SEGMENT}:streamRawPredict"
    assert streamed.json is not None and streamed.json["stream"] is True and "model" not in streamed.json

    counted = DIALECT.build_count_tokens(ChatRequest(NAME, [Message("user", "Hi")]), ctx)
    assert counted is not None
    assert counted.url == f"{root}/publishers/anthropic/models/count-tokens:rawPredict"
    assert counted.json == {
        "anthropic_version": "vertex-2023-10-16",
        "model": NAME,
        "messages": [{"role": "user", "content": "Hi"}],
    }


@pytest.mark.parametrize(
    ("location", "host"),
    [
        ("global", "aiplatform.googleapis.com"),
        ("us", "aiplatform.us.rep.googleapis.com"),
        ("eu", "aiplatform.eu.rep.googleapis.com"),
        ("europe-west1", "europe-west1-aiplatform.googleapis.com"),
    ],
)
def test_location_picks_the_host(location: str, host: str) -> None:
    http = DIALECT.build_chat(ChatRequest(NAME, [Message("user", "Hi")]), _ctx(location))
    assert http.url == (
        f"https://{host}/v1/projects/{PROJECT}/locations/{location}"
        f"/publishers/anthropic/models/{SEGMENT}:rawPredict"
    )


def test_caller_version_in_extra_body_wins() -> None:
    req = ChatRequest(NAME, [Message("user", "Hi")], extra_body={"anthropic_version": "2026-10-21"})
    http = DIALECT.build_chat(req, _ctx())
    assert http.json is not None and http.json["anthropic_version"] == "2026-10-21"


def test_default_quirks_are_the_public_api() -> None:
    spec = get_spec("anthropic")
    assert spec.quirks is None
    ctx = CallContext(spec, "claude-sonnet-4-5", "https://api.anthropic.com")
    http = DIALECT.build_chat(ChatRequest("claude-sonnet-4-5", [Message("user", "Hi")], stream=True), ctx)
    assert http.url == "https://api.anthropic.com/v1/messages"
    assert http.json is not None and http.json["model"] == "claude-sonnet-4-5"
    assert "anthropic_version" not in http.json
    count = DIALECT.build_count_tokens(ChatRequest("claude-sonnet-4-5", [Message("user", "Hi")]), ctx)
    assert count is not None and count.url == "https://api.anthropic.com/v1/messages/count_tokens"
    assert AnthropicQuirks() == AnthropicQuirks(messages_path="/v1/messages")


# ---------------------------------------------------------------- loopback through the public API


def test_complete_sync_and_async(emu: Emulator, kw: dict[str, Any]) -> None:
    emu.script(Script(text="Hello from Claude on Vertex.", input_tokens=11, output_tokens=6))
    c = llmkit.complete(
        MODEL, [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}], **kw
    )
    assert c.text == "Hello from Claude on Vertex."
    assert c.finish_reason is FinishReason.STOP
    assert (c.usage.input_tokens, c.usage.output_tokens) == (11, 6)
    sent = _last(emu)
    assert sent.full_path == (
        f"/vertex_ai/v1/projects/{PROJECT}/locations/{LOCATION}/publishers/anthropic/models/{SEGMENT}:rawPredict"
    )
    assert sent.headers["authorization"].startswith("Bearer ya29.emu-")
    assert "anthropic-version" not in sent.headers and "x-api-key" not in sent.headers
    assert sent.json() == {
        "anthropic_version": "vertex-2023-10-16",
        "max_tokens": 8192,
        "messages": [{"role": "user", "content": "Hi"}],
        "system": "Be brief.",
    }

    emu.script(Script(text="Async Claude."))
    c2 = run(lambda: llmkit.acomplete(MODEL, "Hi", max_tokens=20, **kw))
    assert c2.text == "Async Claude."
    assert _last(emu).json()["max_tokens"] == 20


def test_stream_sync_and_async(emu: Emulator, kw: dict[str, Any]) -> None:
    emu.script(Script(text="one two three four", input_tokens=5))
    with llmkit.stream(MODEL, "count", **kw) as s:
        events = list(s)
    assert _text(events) == "one two three four"
    assert len([e for e in events if isinstance(e, TextDelta)]) > 1
    assert s.completion.text == "one two three four"
    assert s.completion.finish_reason is FinishReason.STOP
    assert s.completion.usage.input_tokens == 5
    sent = _last(emu)
    assert sent.full_path.endswith(f"/models/{SEGMENT}:streamRawPredict")
    assert sent.json()["stream"] is True and "model" not in sent.json()

    emu.script(Script(text="streamed asynchronously"))

    async def go() -> tuple[list[StreamEvent], Completion]:
        got: list[StreamEvent] = []
        async with llmkit.astream(MODEL, "again", **kw) as st:
            async for ev in st:
                got.append(ev)
            return got, st.completion

    got, completion = run(go)
    assert _text(got) == "streamed asynchronously"
    assert completion.text == "streamed asynchronously"


def test_tool_call_round_trip_and_streamed_call(emu: Emulator, kw: dict[str, Any]) -> None:
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Paris"}, id="toolu_V1")]))
    first = llmkit.complete(MODEL, "Weather in Paris?", tools=[WEATHER], tool_choice="get_weather", **kw)
    assert first.finish_reason is FinishReason.TOOL_CALLS
    assert first.tool_calls[0].name == "get_weather"
    assert first.tool_calls[0].arguments == {"city": "Paris"}
    body = _last(emu).json()
    assert body["tool_choice"] == {"type": "tool", "name": "get_weather"}
    assert body["tools"][0]["input_schema"]["required"] == ["city"]

    history: list[Any] = [
        {"role": "user", "content": "Weather in Paris?"},
        first.message,
        {"role": "tool", "tool_call_id": "toolu_V1", "content": "18C"},
    ]
    emu.script(Script(text="It is 18C."))
    second = run(lambda: llmkit.acomplete(MODEL, history, tools=[WEATHER], **kw))
    assert second.text == "It is 18C."
    assert _last(emu).json()["messages"][2]["content"][0]["tool_use_id"] == "toolu_V1"

    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Oslo"}, id="toolu_V2")]))
    with llmkit.stream(MODEL, "Weather in Oslo?", tools=[WEATHER], **kw) as s:
        deltas = [e for e in s if isinstance(e, ToolCallDelta)]
    assert deltas
    assert s.completion.tool_calls[0].arguments == {"city": "Oslo"}


def test_count_tokens_sync_and_async(emu: Emulator, kw: dict[str, Any]) -> None:
    emu.script(Script(input_tokens=321))
    n = llmkit.count_tokens(MODEL, [{"role": "system", "content": "sys"}, {"role": "user", "content": "hi"}],
                            **{k: v for k, v in kw.items() if k != "max_retries"})  # fmt: skip
    assert (n.input_tokens, n.exact) == (321, True)
    sent = _last(emu)
    assert sent.full_path.endswith("/publishers/anthropic/models/count-tokens:rawPredict")
    assert sent.json() == {
        "anthropic_version": "vertex-2023-10-16",
        "model": NAME,
        "messages": [{"role": "user", "content": "hi"}],
        "system": "sys",
    }
    kw_count = {k: v for k, v in kw.items() if k != "max_retries"}
    m = run(lambda: llmkit.acount_tokens(MODEL, "hello there", tools=[WEATHER], **kw_count))
    assert m.exact and m.input_tokens > 0
    assert "tools" in _last(emu).json() and "max_tokens" not in _last(emu).json()


def test_errors_google_and_anthropic_shapes(emu: Emulator, kw: dict[str, Any]) -> None:
    # Google's front end refuses a bad token with its own error shape.
    no_creds = {k: v for k, v in kw.items() if k != "credentials"}
    with pytest.raises(AuthenticationError) as info:
        llmkit.complete(MODEL, "hi", access_token="ya29.not-a-live-token", **no_creds)
    assert info.value.status_code == 401
    assert info.value.error_type == "UNAUTHENTICATED"
    # An error the model raises passes through in Anthropic's shape.
    emu.script(Script(error=ScriptedError(404, "model: claude-nope", type="not_found_error")))
    with pytest.raises(NotFoundError) as nf:
        llmkit.complete(MODEL, "hi", **kw)
    assert nf.value.error_type == "not_found_error"


# ---------------------------------------------------------------- the official SDK (AnthropicVertex)


def _sdk_token(emu: Emulator) -> str:
    google_oauth.register_user(emu, CLIENT_ID, CLIENT_SECRET, REFRESH)
    form = {
        "grant_type": "refresh_token",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH,
    }
    resp = httpx2.post(f"{emu.url}/google_oauth/token", data=form)
    resp.raise_for_status()
    token = resp.json()["access_token"]
    assert isinstance(token, str)
    return token


@pytest.fixture
def sdk(emu: Emulator) -> anthropic.AnthropicVertex:
    return anthropic.AnthropicVertex(
        region=LOCATION,
        project_id=PROJECT,
        access_token=_sdk_token(emu),
        base_url=f"{emu.url}/vertex_ai/v1",
        max_retries=0,
    )


# Anthropic's SDK 2.x sends its own API version; pinning the one Google documents makes the
# bodies comparable (the SDK only fills anthropic_version when the call does not give it).
PIN = {"anthropic_version": "vertex-2023-10-16"}
WEATHER_SDK: Any = {
    "name": "get_weather",
    "description": "Current weather for a city",
    "input_schema": WEATHER["function"]["parameters"],  # type: ignore[index]
}


def test_sdk_sends_the_same_message_body(
    emu: Emulator, kw: dict[str, Any], sdk: anthropic.AnthropicVertex
) -> None:
    emu.script(Script(text="from llmkit"), Script(text="from the SDK"))
    ours = llmkit.complete(
        MODEL,
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather?"}],
        tools=[WEATHER],
        tool_choice="auto",
        max_tokens=256,
        **kw,
    )
    mine = _last(emu)
    theirs = sdk.messages.create(
        model=NAME,
        max_tokens=256,
        system="Be brief.",
        messages=[{"role": "user", "content": "Weather?"}],
        tools=[WEATHER_SDK],
        tool_choice={"type": "auto"},
        extra_body=PIN,
    )
    sdk_req = _last(emu)
    # The SDK leaves "@" raw in the path, llmkit encodes it; both name the same resource.
    assert unquote(mine.full_path) == unquote(sdk_req.full_path)
    assert mine.json() == sdk_req.json()
    assert ours.text == "from llmkit"
    assert theirs.content[0].type == "text" and theirs.content[0].text == "from the SDK"
    assert theirs.stop_reason == "end_turn"


def test_sdk_parses_streams_and_tool_calls(
    emu: Emulator, kw: dict[str, Any], sdk: anthropic.AnthropicVertex
) -> None:
    emu.script(Script(text="alpha beta gamma"), Script(text="alpha beta gamma"))
    with llmkit.stream(MODEL, "go", max_tokens=100, **kw) as s:
        ours = s.completion
    mine = _last(emu)
    with sdk.messages.stream(
        model=NAME, max_tokens=100, messages=[{"role": "user", "content": "go"}], extra_body=PIN
    ) as st:
        text = "".join(st.text_stream)
        final = st.get_final_message()
    sdk_req = _last(emu)
    assert unquote(sdk_req.full_path) == unquote(mine.full_path)
    assert sdk_req.full_path.endswith(":streamRawPredict")
    assert mine.json() == sdk_req.json()
    assert text == ours.text == "alpha beta gamma"
    assert final.usage.output_tokens == ours.usage.output_tokens

    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Rome"}, id="toolu_S")]))
    called = sdk.messages.create(
        model=NAME,
        max_tokens=100,
        messages=[{"role": "user", "content": "Rome?"}],
        tools=[WEATHER_SDK],
        extra_body=PIN,
    )
    block = called.content[-1]
    assert block.type == "tool_use" and block.input == {"city": "Rome"}


def test_sdk_count_tokens_same_body(
    emu: Emulator, kw: dict[str, Any], sdk: anthropic.AnthropicVertex
) -> None:
    emu.script(Script(input_tokens=77), Script(input_tokens=77))
    no_retry = {k: v for k, v in kw.items() if k != "max_retries"}
    ours = llmkit.count_tokens(MODEL, [{"role": "user", "content": "count me"}], **no_retry)
    mine = _last(emu)
    theirs = sdk.messages.count_tokens(
        model=NAME, messages=[{"role": "user", "content": "count me"}], extra_body=PIN
    )
    sdk_req = _last(emu)
    # The SDK leaves "@" raw in the path, llmkit encodes it; both name the same resource.
    assert unquote(mine.full_path) == unquote(sdk_req.full_path)
    assert mine.json() == sdk_req.json()
    assert ours.input_tokens == theirs.input_tokens == 77


def test_sdk_default_version_is_also_served(emu: Emulator, sdk: anthropic.AnthropicVertex) -> None:
    """Without the pin the SDK sends its own version; the emulator takes it, as Vertex does."""
    emu.script(Script(text="ok"))
    msg = sdk.messages.create(model=NAME, max_tokens=10, messages=[{"role": "user", "content": "hi"}])
    assert msg.content[0].type == "text"
    body = json.loads(_last(emu).body)
    assert "model" not in body and body["anthropic_version"] != PIN["anthropic_version"]


def test_emulator_takes_the_documented_count_tokens_body(emu: Emulator) -> None:
    """Google's count-tokens example names a versioned model and sends no anthropic_version."""
    emu.script(Script(input_tokens=13))
    resp = httpx2.post(
        f"{_root(emu)}/publishers/anthropic/models/count-tokens:rawPredict",
        headers={"authorization": f"Bearer {_sdk_token(emu)}"},
        json={
            "model": "claude-3-haiku@20240307",
            "messages": [{"role": "user", "content": "how many tokens are in this request?"}],
        },
    )
    assert resp.status_code == 200
    assert resp.json() == {"input_tokens": 13}
    bad = httpx2.post(
        f"{_root(emu)}/publishers/anthropic/models/{SEGMENT}:rawPredict",
        headers={"authorization": f"Bearer {_sdk_token(emu)}"},
        json={"max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]},
    )
    assert bad.status_code == 400
