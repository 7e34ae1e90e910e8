"""Claude end to end: the public API against the Anthropic emulator over 127.0.0.1, sync and async."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest

import llmkit
from llmkit import dialects, errors
from llmkit import providers as registry
from llmkit.emulator import PROFILES, Emulator, Profile, Script, ScriptedCall, ScriptedError, add_profile
from llmkit.functions import default_async_client
from llmkit.providers.anthropic import SPECS
from llmkit.types import (
    Completion,
    FinishReason,
    Message,
    ReasoningPart,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)

MODEL = "anthropic/claude-sonnet-4-5"
KEY = "fake-anthropic-loopback-CANARY-0123456789"
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
    """Run one coroutine on a fresh loop, closing the loop's HTTP session afterwards."""

    async def main() -> T:
        try:
            return await make()
        finally:
            await default_async_client().aclose()

    return asyncio.run(main())


@pytest.fixture(scope="module", autouse=True)
def _registered() -> Iterator[None]:
    """Register what the registries do not name yet, and leave them as they were afterwards."""
    added: list[str] = []
    for spec in SPECS:
        try:
            registry.get_spec(spec.name)
        except errors.ConfigurationError:
            registry.register(spec)
            added.append(spec.name)
    had_dialect = "anthropic_messages" in dialects._MODULES
    if not had_dialect:
        dialects.register_dialect("anthropic_messages", "llmkit.dialects.anthropic")
    had_profile = "anthropic" in PROFILES
    if not had_profile:
        add_profile(Profile("anthropic", "llmkit.emulator.anthropic:handle", base_path=""))
    yield
    for name in added:
        registry._extra.pop(name, None)
        if registry._registry is not None:
            registry._registry.pop(name, None)
    if not had_dialect:
        dialects._MODULES.pop("anthropic_messages", None)
        dialects._loaded.pop("anthropic_messages", None)
    if not had_profile:
        PROFILES.pop("anthropic", None)


@pytest.fixture(scope="module")
def server() -> Iterator[Emulator]:
    with Emulator(api_key=KEY) as emu:
        yield emu


@pytest.fixture
def emu(server: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    server.reset()
    for var in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url("anthropic"))
    return server


def last_body(emu: Emulator) -> Any:
    return json.loads(emu.requests[-1].body)


# ---------------------------------------------------------------- text


def test_complete_text_sync_and_async(emu: Emulator) -> None:
    emu.script(Script(text="Hello from Claude.", input_tokens=12, output_tokens=4))
    c = llmkit.complete(MODEL, [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "Hi"}])
    assert c.text == "Hello from Claude."
    assert c.finish_reason is FinishReason.STOP and c.raw_finish_reason == "end_turn"
    assert c.usage == Usage(input_tokens=12, output_tokens=4, total_tokens=16)
    assert c.provider == "anthropic" and c.model == "claude-sonnet-4-5" and c.id
    req = emu.requests[-1]
    assert req.path == "/v1/messages"
    assert req.headers["x-api-key"] == KEY and "authorization" not in req.headers
    assert req.headers["anthropic-version"] == "2023-06-01"
    assert last_body(emu) == {
        "model": "claude-sonnet-4-5",
        "max_tokens": 8192,
        "messages": [{"role": "user", "content": "Hi"}],
        "system": "Be kind.",
    }

    emu.script(Script(text="Async hello."))
    c2 = run(lambda: llmkit.acomplete(MODEL, "Hi", max_tokens=50, temperature=0.5, stop=["END"]))
    assert c2.text == "Async hello."
    assert last_body(emu)["max_tokens"] == 50 and last_body(emu)["stop_sequences"] == ["END"]


def collect(events: list[StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def test_stream_text_sync_and_async(emu: Emulator) -> None:
    emu.script(Script(text="The quick brown fox jumps.", chunk_chars=3))
    with llmkit.stream(MODEL, "Tell me") as s:
        events = list(s)
    assert collect(events) == "The quick brown fox jumps."
    assert s.completion.text == "The quick brown fox jumps."
    assert s.completion.finish_reason is FinishReason.STOP
    assert s.completion.usage.output_tokens > 0 and s.completion.usage.input_tokens > 0
    assert last_body(emu)["stream"] is True

    emu.script(Script(text="Streaming asynchronously now."))

    async def go() -> tuple[list[StreamEvent], Completion]:
        got: list[StreamEvent] = []
        async with llmkit.astream(MODEL, "Tell me") as st:
            async for ev in st:
                got.append(ev)
            return got, st.completion

    async_events, completion = run(go)
    assert collect(async_events) == "Streaming asynchronously now."
    assert completion.text == "Streaming asynchronously now."


# ---------------------------------------------------------------- tools


AWKWARD = {"city": 'São "Paulo"\n', "days": [1, 2.5, None], "nested": {"emoji": "🌧️", "empty": {}}}


@pytest.mark.parametrize("args_chunk", [1, 2, 3, 7])
def test_streamed_tool_call_arguments_split_awkwardly(emu: Emulator, args_chunk: int) -> None:
    calls = [
        ScriptedCall("get_weather", AWKWARD, id="toolu_01"),
        ScriptedCall("get_weather", {"city": "Rome"}),
    ]
    emu.script(Script(text="Let me look.", tool_calls=calls, extra={"args_chunk": args_chunk}))
    with llmkit.stream(MODEL, "Weather?", tools=[WEATHER], tool_choice="required") as s:
        events = list(s)
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    assert len([d for d in deltas if d.arguments_delta]) >= 2  # really arrived in pieces
    c = s.completion
    assert [t.name for t in c.tool_calls] == ["get_weather", "get_weather"]
    assert c.tool_calls[0].id == "toolu_01" and c.tool_calls[0].arguments == AWKWARD
    assert c.tool_calls[1].arguments == {"city": "Rome"}
    assert c.finish_reason is FinishReason.TOOL_CALLS
    assert last_body(emu)["tool_choice"] == {"type": "any"}


def test_tool_call_round_trip_sync_and_async(emu: Emulator) -> None:
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Paris"}, id="toolu_P")]))
    first = llmkit.complete(MODEL, "Weather in Paris?", tools=[WEATHER], tool_choice="get_weather")
    assert first.tool_calls[0].arguments == {"city": "Paris"}
    assert last_body(emu)["tool_choice"] == {"type": "tool", "name": "get_weather"}
    history: list[Any] = [
        {"role": "user", "content": "Weather in Paris?"},
        first.message,
        {"role": "tool", "tool_call_id": "toolu_P", "content": "18C"},
    ]
    emu.script(Script(text="It is 18C in Paris."))
    second = run(lambda: llmkit.acomplete(MODEL, history, tools=[WEATHER]))
    assert second.text == "It is 18C in Paris."
    sent = last_body(emu)["messages"]
    assert sent[1]["content"][-1] == {
        "type": "tool_use",
        "id": "toolu_P",
        "name": "get_weather",
        "input": {"city": "Paris"},
    }
    assert sent[2] == {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "toolu_P", "content": "18C"}],
    }


# ---------------------------------------------------------------- thinking


@pytest.mark.parametrize("streamed", [False, True])
def test_thinking_and_tool_use_round_trip(emu: Emulator, streamed: bool) -> None:
    emu.script(
        Script(
            reasoning="The user wants Oslo's weather; call the tool.",
            tool_calls=[ScriptedCall("get_weather", {"city": "Oslo"}, id="toolu_O")],
        )
    )
    if streamed:
        with llmkit.stream(MODEL, "Oslo?", tools=[WEATHER], thinking=2048) as s:
            list(s)
        first = s.completion
    else:
        first = llmkit.complete(MODEL, "Oslo?", tools=[WEATHER], thinking=2048)
    assert first.reasoning == "The user wants Oslo's weather; call the tool."
    signed = [p for p in first.message.parts if isinstance(p, ReasoningPart)]
    assert signed and signed[0].signature
    assert last_body(emu)["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    # The emulator refuses the next turn unless the thinking block comes back first, signature intact.
    emu.script(Script(text="Rainy, 7C."))
    history: list[Any] = [
        {"role": "user", "content": "Oslo?"},
        first.message,
        Message("tool", "rain, 7C", tool_call_id="toolu_O"),
    ]
    final = llmkit.complete(MODEL, history, tools=[WEATHER], thinking=2048)
    assert final.text == "Rainy, 7C."
    assert last_body(emu)["messages"][1]["content"][0]["type"] == "thinking"


def test_forged_thinking_is_refused_by_the_emulator(emu: Emulator) -> None:
    history: list[Any] = [
        {"role": "user", "content": "q"},
        Message("assistant", (ReasoningPart("made up", signature="forged"),), ()),
        {"role": "user", "content": "next"},
    ]
    with pytest.raises(errors.BadRequestError, match="signature"):
        llmkit.complete(MODEL, history, max_retries=0)


# ---------------------------------------------------------------- usage and tokens


def test_cached_token_usage_sync_and_stream(emu: Emulator) -> None:
    cache = {"cache_creation_input_tokens": 100}
    emu.script(Script(text="cached", input_tokens=1000, cached_tokens=800, output_tokens=9, extra=cache))
    c = llmkit.complete(MODEL, "long prompt", cache_control=True)
    expected = Usage(
        input_tokens=1000,
        output_tokens=9,
        total_tokens=1009,
        cached_input_tokens=800,
        cache_creation_input_tokens=100,
    )
    assert c.usage == expected
    assert last_body(emu)["cache_control"] == {"type": "ephemeral"}
    emu.script(Script(text="cached", input_tokens=1000, cached_tokens=800, output_tokens=9, extra=cache))
    with llmkit.stream(MODEL, "long prompt") as s:
        list(s)
    assert s.completion.usage == expected


def test_count_tokens_sync_and_async(emu: Emulator) -> None:
    emu.script(Script(input_tokens=4242))
    n = llmkit.count_tokens(MODEL, [{"role": "system", "content": "sys"}, {"role": "user", "content": "hi"}])
    assert (n.input_tokens, n.exact) == (4242, True)
    assert emu.requests[-1].path == "/v1/messages/count_tokens"
    assert last_body(emu) == {
        "model": "claude-sonnet-4-5",
        "messages": [{"role": "user", "content": "hi"}],
        "system": "sys",
    }
    m = run(lambda: llmkit.acount_tokens(MODEL, "hello there", tools=[WEATHER], thinking=1024))
    assert m.exact and m.input_tokens > 0
    assert "tools" in last_body(emu) and "max_tokens" not in last_body(emu)


# ---------------------------------------------------------------- auth and options


def test_bearer_token_auth(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    emu.script(Script(text="a"), Script(text="b"))
    llmkit.complete(MODEL, "hi", anthropic_auth="bearer")
    assert emu.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    assert "x-api-key" not in emu.requests[-1].headers
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", KEY)
    llmkit.complete(MODEL, "hi")
    assert emu.requests[-1].headers["authorization"] == f"Bearer {KEY}"


def test_beta_header_and_typed_options(emu: Emulator) -> None:
    emu.script(Script(text="ok"))
    llmkit.complete(
        MODEL,
        "hi",
        anthropic_beta=["files-api-2025-04-14"],
        top_k=5,
        top_p=0.5,
        metadata={"user_id": "u-1"},
    )
    assert emu.requests[-1].headers["anthropic-beta"] == "files-api-2025-04-14"
    body = last_body(emu)
    assert (body["top_k"], body["top_p"], body["metadata"]) == (5, 0.5, {"user_id": "u-1"})
    with pytest.raises(errors.ConfigurationError, match="frequency_penalty"):
        llmkit.complete(MODEL, "hi", frequency_penalty=1.0)


def test_bad_key_is_an_authentication_error_without_the_key(emu: Emulator) -> None:
    wrong = "fake-anthropic-wrong-CANARY-9876543210"
    with pytest.raises(errors.AuthenticationError) as info:
        llmkit.complete(MODEL, "hi", api_key=wrong)
    assert info.value.status_code == 401 and info.value.error_type == "authentication_error"
    assert wrong not in str(info.value) and wrong not in repr(info.value.body)


# ---------------------------------------------------------------- errors


ERRORS = [
    (400, "invalid_request_error", errors.BadRequestError),
    (401, "authentication_error", errors.AuthenticationError),
    (403, "permission_error", errors.PermissionDeniedError),
    (404, "not_found_error", errors.NotFoundError),
    (413, "request_too_large", errors.BadRequestError),
    (429, "rate_limit_error", errors.RateLimitError),
    (500, "api_error", errors.ServerError),
    (529, "overloaded_error", errors.OverloadedError),
]


@pytest.mark.parametrize(("status", "etype", "cls"), ERRORS)
def test_every_error_type_sync_and_async(
    emu: Emulator, status: int, etype: str, cls: type[Exception]
) -> None:
    scripted = ScriptedError(status, f"scripted {etype}", etype, headers={"retry-after": "3"})
    emu.script(Script(error=scripted))
    with pytest.raises(cls) as info:
        llmkit.complete(MODEL, "hi", max_retries=0)
    err = info.value
    assert isinstance(err, errors.ProviderError) and type(err) is cls
    assert (err.status_code, err.error_type, err.request_id) == (status, etype, "req_emu_error")
    if isinstance(err, errors.RateLimitError):
        assert err.retry_after == 3.0
    emu.script(Script(error=scripted))
    with pytest.raises(cls):
        run(lambda: llmkit.acomplete(MODEL, "hi", max_retries=0))


def test_prompt_too_long_is_context_window_exceeded(emu: Emulator) -> None:
    msg = "prompt is too long: 210000 tokens > 200000 maximum"
    emu.script(Script(error=ScriptedError(400, msg, "invalid_request_error")))
    with pytest.raises(errors.ContextWindowExceededError):
        llmkit.complete(MODEL, "a very long prompt", max_retries=0)


def test_overloaded_is_retried_then_succeeds(emu: Emulator) -> None:
    emu.script(
        Script(error=ScriptedError(529, "Overloaded", "overloaded_error", headers={"retry-after": "0"}))
    )
    emu.script(Script(text="after the storm"))
    c = llmkit.complete(MODEL, "hi", max_retries=1)
    assert c.text == "after the storm"
    assert len(emu.requests) == 2


@pytest.mark.parametrize("asynchronous", [False, True])
def test_error_inside_a_200_stream_keeps_the_partial(emu: Emulator, asynchronous: bool) -> None:
    # A small delay between events, so the error arrives in a read of its own as over a real network.
    script = Script(text="alpha beta gamma delta epsilon", fault="stream_error", after=5, chunk_delay=0.05)
    emu.script(script)
    got: list[StreamEvent] = []
    if asynchronous:

        async def go() -> None:
            async with llmkit.astream(MODEL, "hi", max_retries=0) as st:
                async for ev in st:
                    got.append(ev)

        with pytest.raises(errors.OverloadedError) as info:
            run(go)
    else:
        with pytest.raises(errors.OverloadedError) as info, llmkit.stream(MODEL, "hi", max_retries=0) as s:
            for ev in s:
                got.append(ev)
    err = info.value
    assert err.status_code is None and err.error_type == "overloaded_error"
    assert collect(got) and err.partial is not None
    assert err.partial.text == collect(got)


def test_cut_stream_is_interrupted_with_partial(emu: Emulator) -> None:
    emu.script(Script(text="one two three four five six", fault="cut", after=5))
    with pytest.raises(errors.StreamInterruptedError) as info, llmkit.stream(MODEL, "hi", max_retries=0) as s:
        for _ in s:
            pass
    assert info.value.partial is not None and info.value.partial.text.startswith("one")


def test_stream_without_message_stop_is_interrupted(emu: Emulator) -> None:
    emu.script(Script(text="one two three", fault="no_terminator", after=6))
    with pytest.raises(errors.StreamInterruptedError), llmkit.stream(MODEL, "hi", max_retries=0) as s:
        list(s)


def test_emulator_validation_errors_surface_as_bad_request(emu: Emulator) -> None:
    with pytest.raises(errors.BadRequestError, match="Extra inputs"):
        llmkit.complete(MODEL, "hi", extra_body={"frequency_penalty": 1}, max_retries=0)


# ---------------------------------------------------------------- structured output and compatible endpoints


def test_structured_output(emu: Emulator) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "temp": {"type": "integer"}},
        "required": ["city", "temp"],
        "additionalProperties": False,
    }
    c = llmkit.complete(MODEL, "Give me a city", response_format=schema)
    assert last_body(emu)["output_config"] == {"format": {"type": "json_schema", "schema": schema}}
    assert c.parsed == json.loads(c.text) and set(c.parsed) == {"city", "temp"}
    with pytest.raises(errors.NotSupportedError):
        llmkit.complete(MODEL, "hi", response_format={"type": "json_object"})


@pytest.mark.parametrize("provider", ["minimax_anthropic", "zai_anthropic"])
def test_compatible_endpoints_speak_the_same_body_with_a_bearer_key(emu: Emulator, provider: str) -> None:
    emu.script(Script(text="compatible"))
    c = llmkit.complete(f"{provider}/some-model", "hi", base_url=emu.base_url("anthropic"), api_key=KEY)
    assert c.text == "compatible" and c.provider == provider
    req = emu.requests[-1]
    assert req.path == "/v1/messages"
    assert req.headers["authorization"] == f"Bearer {KEY}" and "x-api-key" not in req.headers
    assert req.headers["anthropic-version"] == "2023-06-01"
