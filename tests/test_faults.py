"""Faults over loopback (reliability catalogue §7), each case for the sync and the async client."""

from __future__ import annotations

import asyncio
import gc
import json
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import llmkit
from llmkit._retry import RetryPolicy
from llmkit.dialects.base import CallContext
from llmkit.dialects.openai_chat import DIALECT
from llmkit.emulator import Emulator, Script, ScriptedCall, ScriptedError
from llmkit.errors import (
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    NotFoundError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    StreamInterruptedError,
    ToolArgumentsError,
)
from llmkit.providers import get_spec
from llmkit.types import Completion, FinishReason, StreamEvent, TextDelta, ToolCallDelta
from llmkit.wire import HttpResponse

MODEL = "openai/gpt-4o-mini"


class Api:
    """One awaitable face over ``Client`` (called inline) and ``AsyncClient``."""

    def __init__(self, mode: str, emu: Emulator | None, **client_kwargs: Any) -> None:
        self.mode = mode
        if emu is not None:
            client_kwargs.setdefault("api_key", emu.api_key)
            client_kwargs.setdefault("base_url", emu.base_url("openai"))
        self.client: Any = (
            llmkit.Client(**client_kwargs) if mode == "sync" else llmkit.AsyncClient(**client_kwargs)
        )

    async def complete(self, messages: Any = "hello", model: str = MODEL, **kw: Any) -> Completion:
        if self.mode == "sync":
            return self.client.complete(model, messages, **kw)  # type: ignore[no-any-return]
        return await self.client.complete(model, messages, **kw)  # type: ignore[no-any-return]

    async def stream(
        self, messages: Any = "hello", model: str = MODEL, events: list[StreamEvent] | None = None, **kw: Any
    ) -> Completion:
        """Iterate a whole stream inside its context manager; events land in ``events`` as they come."""
        out = [] if events is None else events
        if self.mode == "sync":
            with self.client.stream(model, messages, **kw) as s:
                for ev in s:
                    out.append(ev)
            return s.completion  # type: ignore[no-any-return]
        async with self.client.stream(model, messages, **kw) as s:
            async for ev in s:
                out.append(ev)
        return s.completion  # type: ignore[no-any-return]

    async def close(self) -> None:
        if self.mode == "sync":
            self.client.close()
        else:
            await self.client.aclose()


def run(mode: str, emu: Emulator | None, body: Callable[[Api], Awaitable[Any]], **client_kwargs: Any) -> Any:
    async def main() -> Any:
        api = Api(mode, emu, **client_kwargs)
        try:
            return await body(api)
        finally:
            await api.close()

    return asyncio.run(main())


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Backoff without the real wait; records the ``retries_taken`` of each backoff asked for."""
    asked: list[int] = []

    def backoff(self: RetryPolicy, retries_taken: int) -> float:
        asked.append(retries_taken)
        return 0.001

    monkeypatch.setattr(RetryPolicy, "backoff", backoff)
    return asked


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


TEXT = "alpha beta gamma delta epsilon zeta"


# ---------------------------------------------------------------- 1-7: statuses and retries


def test_429_with_retry_after_then_200(mode: str, emu: Emulator) -> None:
    emu.script(
        Script(error=ScriptedError(429, "slow down", headers={"retry-after": "0.01"})), Script(text="ok")
    )
    c = run(mode, emu, lambda api: api.complete())
    assert c.text == "ok"
    assert len(emu.requests) == 2
    assert [r.headers.get("x-llmkit-retry-count") for r in emu.requests] == [None, "1"]


def test_429_with_retry_after_ms_then_200(mode: str, emu: Emulator) -> None:
    emu.script(
        Script(error=ScriptedError(429, "slow", headers={"retry-after-ms": "10", "retry-after": "30"})),
        Script(text="ok"),
    )
    assert run(mode, emu, lambda api: api.complete()).text == "ok"
    assert len(emu.requests) == 2


def test_429_above_the_cap_is_raised_with_retry_after(mode: str, emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(429, "come back later", headers={"retry-after": "3600"})))
    with pytest.raises(RateLimitError) as info:
        run(mode, emu, lambda api: api.complete())
    assert info.value.retry_after == 3600
    assert info.value.status_code == 429
    assert len(emu.requests) == 1


def test_429_insufficient_quota_is_not_retried(mode: str, emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(429, "You exceeded your current quota", code="insufficient_quota")))
    with pytest.raises(RateLimitError) as info:
        run(mode, emu, lambda api: api.complete())
    assert info.value.error_code == "insufficient_quota"
    assert len(emu.requests) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504, 529])
def test_5xx_then_200(mode: str, emu: Emulator, fast_backoff: list[int], status: int) -> None:
    emu.script(Script(error=ScriptedError(status, "boom")), Script(text="recovered"))
    assert run(mode, emu, lambda api: api.complete()).text == "recovered"
    assert len(emu.requests) == 2
    assert fast_backoff == [0]


def test_5xx_every_attempt(mode: str, emu: Emulator, fast_backoff: list[int]) -> None:
    emu.script(*[Script(error=ScriptedError(503, "unavailable")) for _ in range(4)])
    with pytest.raises(ServerError) as info:
        run(mode, emu, lambda api: api.complete(), max_retries=3)
    exc = info.value
    assert exc.attempts == 4 and len(emu.requests) == 4
    assert exc.status_code == 503
    assert exc.request_id == "req_emulated_error"
    assert exc.body["error"]["message"] == "unavailable"
    assert fast_backoff == [0, 1, 2]


def test_per_call_max_retries_overrides_the_client(mode: str, emu: Emulator, fast_backoff: list[int]) -> None:
    emu.script(*[Script(error=ScriptedError(500, "x")) for _ in range(2)])
    with pytest.raises(ServerError) as info:
        run(mode, emu, lambda api: api.complete(max_retries=1), max_retries=5)
    assert info.value.attempts == 2 and len(emu.requests) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422])
def test_4xx_is_not_retried(mode: str, emu: Emulator, status: int) -> None:
    emu.script(Script(error=ScriptedError(status, "nope", type="invalid_request_error", code="c1")))
    with pytest.raises(llmkit.ProviderError) as info:
        run(mode, emu, lambda api: api.complete())
    exc = info.value
    assert exc.status_code == status and exc.attempts == 1
    assert (exc.error_type, exc.error_code) == ("invalid_request_error", "c1")
    assert "nope" in str(exc)
    assert len(emu.requests) == 1


def test_model_not_found_is_a_not_found_error(mode: str, emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(404, "The model `gpt-9` does not exist", code="model_not_found")))
    with pytest.raises(NotFoundError) as info:
        run(mode, emu, lambda api: api.complete(model="openai/gpt-9"))
    assert info.value.error_code == "model_not_found"


def test_html_502_then_200_is_retried(mode: str, emu: Emulator, fast_backoff: list[int]) -> None:
    emu.script(Script(fault="html_error"), Script(text="fine"))
    assert run(mode, emu, lambda api: api.complete()).text == "fine"
    assert len(emu.requests) == 2


def test_html_502_page_is_a_server_error_with_text_body(mode: str, emu: Emulator) -> None:
    emu.script(Script(fault="html_error"))
    with pytest.raises(ServerError) as info:
        run(mode, emu, lambda api: api.complete(), max_retries=0)
    exc = info.value
    assert exc.status_code == 502
    assert isinstance(exc.body, str) and "Bad Gateway" in exc.body
    assert exc.__cause__ is None or not isinstance(exc.__cause__, ValueError)


# ---------------------------------------------------------------- 9: connection faults


def test_connection_refused_is_retried_then_raised(mode: str, fast_backoff: list[int]) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    with pytest.raises(APIConnectionError) as info:
        run(
            mode,
            None,
            lambda api: api.complete(),
            base_url=url,
            api_key="sk-test-refused-0000",
            max_retries=2,
        )
    exc = info.value
    assert not isinstance(exc, APITimeoutError)
    assert exc.attempts == 3
    assert exc.before_send
    assert exc.__cause__ is None and exc.__context__ is None  # no raw library exception (it holds headers)
    assert fast_backoff == [0, 1]


def test_server_disconnect_without_response_is_a_connection_error(mode: str, emu: Emulator) -> None:
    emu.script(Script(fault="disconnect"))
    with pytest.raises(APIConnectionError):
        run(mode, emu, lambda api: api.complete(), max_retries=0)
    assert len(emu.requests) == 1


def test_stream_retried_before_the_first_event(mode: str, emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(503, "busy", headers={"retry-after": "0.01"})), Script(text=TEXT))
    assert run(mode, emu, lambda api: api.stream()).text == TEXT
    assert len(emu.requests) == 2


def test_stream_cut_before_the_first_event_is_retried_when_opted_in(mode: str, emu: Emulator) -> None:
    # The request reached the server (it answered 200): re-sending it needs the caller's consent.
    emu.script(Script(text=TEXT, fault="cut", after=0), Script(text="second try"))
    assert run(mode, emu, lambda api: api.stream(), retry_sent_requests=True).text == "second try"
    assert len(emu.requests) == 2


def test_stream_cut_before_the_first_event_is_not_resent_by_default(mode: str, emu: Emulator) -> None:
    emu.script(Script(text=TEXT, fault="cut", after=0), Script(text="second try"))
    with pytest.raises(StreamInterruptedError):
        run(mode, emu, lambda api: api.stream())
    assert len(emu.requests) == 1


# ---------------------------------------------------------------- 12-16: broken streams


def test_stream_cut_midway(mode: str, emu: Emulator) -> None:
    emu.script(Script(text=TEXT, fault="cut", after=3))  # role chunk, "alpha", " beta", then the cut
    events: list[StreamEvent] = []
    with pytest.raises(StreamInterruptedError) as info:
        run(mode, emu, lambda api: api.stream(events=events))
    exc = info.value
    assert exc.partial is not None
    assert exc.partial.text == "alpha beta"
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "alpha beta"
    assert exc.events_received == 2
    assert exc.__cause__ is not None
    assert isinstance(exc, APIConnectionError)
    assert len(emu.requests) == 1  # never retried once the stream has started


def test_stream_cut_during_tool_call_keeps_partial_arguments(mode: str, emu: Emulator) -> None:
    call = ScriptedCall("lookup", {"query": "a fairly long query string"}, id="call_x")
    emu.script(Script(tool_calls=[call], fault="cut", after=3))
    with pytest.raises(StreamInterruptedError) as info:
        run(mode, emu, lambda api: api.stream())
    partial = info.value.partial
    assert partial is not None
    (tc,) = partial.tool_calls
    assert (tc.id, tc.name) == ("call_x", "lookup")
    assert tc.raw_arguments and '{"query":"a fairly long query string"}'.startswith(tc.raw_arguments)


def test_stream_without_terminator(mode: str, emu: Emulator) -> None:
    emu.script(Script(text=TEXT, fault="no_terminator", after=3))
    with pytest.raises(StreamInterruptedError) as info:
        run(mode, emu, lambda api: api.stream())
    assert info.value.partial is not None
    assert info.value.partial.text == "alpha beta"
    assert "terminat" in str(info.value)


def test_stream_malformed_event(mode: str, emu: Emulator) -> None:
    emu.script(Script(text=TEXT, fault="malformed", after=2))
    with pytest.raises(ResponseDecodeError) as info:
        run(mode, emu, lambda api: api.stream())
    assert info.value.provider == "openai"
    assert '{"choices": [' in str(info.value)
    assert not isinstance(info.value.__cause__, ValueError) or info.value.__suppress_context__


def test_stream_in_band_error_chunk(mode: str, emu: Emulator) -> None:
    emu.script(Script(text=TEXT, fault="stream_error", after=3))
    with pytest.raises(ServerError) as info:
        run(mode, emu, lambda api: api.stream())
    exc = info.value
    assert exc.partial is not None
    # Exact equality is checked without sockets in test_stream_accumulate (events decoded in the same
    # read as the error chunk are dropped from .partial); here the bytes may arrive in any grouping.
    assert "alpha beta".startswith(exc.partial.text)
    assert "processing your request" in str(exc)
    assert len(emu.requests) == 1


def test_stream_in_band_rate_limit_error_is_typed_by_its_body(mode: str, emu: Emulator) -> None:
    err = ScriptedError(429, "Rate limit reached", type="rate_limit_error", code="rate_limit_exceeded")
    emu.script(Script(text=TEXT, fault="stream_error", after=3, error=err))
    with pytest.raises(RateLimitError) as info:
        run(mode, emu, lambda api: api.stream())
    assert info.value.partial is not None


# ---------------------------------------------------------------- 20: slow drip and deadlines


def test_slow_drip_stream_hits_the_total_timeout(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="warm"), Script(text=TEXT, n_chunks=60, chunk_delay=0.01))

    async def body(api: Api) -> Completion:
        await api.complete()  # the HTTP stack is imported and connected before the clock starts
        return await api.stream(timeout=llmkit.Timeout(total=0.2))

    with pytest.raises(APIConnectionError) as info:
        run(mode, emu, body)
    exc = info.value
    # documented (docs/architecture.md "Streams"): a total timeout mid-stream is a StreamInterruptedError
    assert isinstance(exc, StreamInterruptedError)
    assert isinstance(exc.__cause__, APITimeoutError), f"no typed timeout behind {exc!r}"
    assert exc.partial is not None and exc.partial.text  # what had arrived is kept
    assert TEXT.startswith(exc.partial.text.strip()[:5])


def test_slow_response_hits_the_total_timeout_and_is_not_retried(mode: str, emu: Emulator) -> None:
    # A generous margin on both sides: on a loaded two-core machine connecting alone could take
    # most of a 0.1 s budget, and the request would then never reach the emulator.
    emu.script(Script(text="late", delay=2.0))
    with pytest.raises(APITimeoutError) as info:
        run(mode, emu, lambda api: api.complete(timeout=llmkit.Timeout(total=0.5)))
    assert info.value.attempts == 1
    assert len(emu.requests) <= 1  # never a second attempt


# ---------------------------------------------------------------- 36: early exit releases the connection


LIMITS: dict[str, Any] = {
    "max_connections": 1,
    "max_retries": 0,
    "timeout": llmkit.Timeout(connect=1.0, read=5),
}


@pytest.mark.parametrize("how", ["with", "close", "gc"])
def test_sync_break_releases_the_connection(emu: Emulator, how: str) -> None:
    emu.script(Script(text=TEXT, n_chunks=300), Script(text="next"))
    with llmkit.Client(api_key=emu.api_key, base_url=emu.base_url(), **LIMITS) as client:
        if how == "with":
            with client.stream(MODEL, "hi") as s:
                for _ in s:
                    break
        else:
            s = client.stream(MODEL, "hi")
            for _ in s:
                break
            if how == "close":
                s.close()
            else:
                del s
                gc.collect()
        assert client.complete(MODEL, "again").text == "next"


@pytest.mark.parametrize("how", ["async_with", "aclose"])
def test_async_break_releases_the_connection(emu: Emulator, how: str) -> None:
    emu.script(Script(text=TEXT, n_chunks=300), Script(text="next"))

    async def main() -> str:
        async with llmkit.AsyncClient(api_key=emu.api_key, base_url=emu.base_url(), **LIMITS) as client:
            if how == "async_with":
                async with client.stream(MODEL, "hi") as s:
                    async for _ in s:
                        break
            else:
                s = client.stream(MODEL, "hi")
                async for _ in s:
                    break
                await s.aclose()
            c = await client.complete(MODEL, "again")
            return c.text

    assert asyncio.run(main()) == "next"


def test_async_task_cancelled_mid_stream_propagates_and_releases(emu: Emulator) -> None:
    emu.script(Script(text=TEXT, n_chunks=100, chunk_delay=0.005), Script(text="next"))

    async def main() -> str:
        async with llmkit.AsyncClient(api_key=emu.api_key, base_url=emu.base_url(), **LIMITS) as client:
            started = asyncio.Event()

            async def consume() -> None:
                async with client.stream(MODEL, "hi") as s:
                    async for _ in s:
                        started.set()

            task = asyncio.create_task(consume())
            await started.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return (await client.complete(MODEL, "again")).text

    assert asyncio.run(main()) == "next"
    assert len(emu.requests) == 2


def test_stream_error_releases_the_connection(mode: str, emu: Emulator) -> None:
    emu.script(Script(text=TEXT, fault="malformed", after=2), Script(text="next"))

    async def body(api: Api) -> str:
        with pytest.raises(ResponseDecodeError):
            await api.stream()
        return (await api.complete()).text

    assert run(mode, emu, body, **LIMITS) == "next"


# ---------------------------------------------------------------- 31: configuration, before any network


def test_unknown_provider_is_refused_before_network(mode: str, emu: Emulator) -> None:
    with pytest.raises(ConfigurationError) as info:
        run(mode, emu, lambda api: api.complete(model="foo/bar"))
    message = str(info.value)
    assert "foo" in message and "openai" in message and "openai_compatible" in message
    assert emu.requests == []


def test_unknown_provider_for_streams_too(mode: str, emu: Emulator) -> None:
    with pytest.raises(ConfigurationError):
        run(mode, emu, lambda api: api.stream(model="opneai/gpt-4o"))
    assert emu.requests == []


def test_model_without_provider_prefix(mode: str, emu: Emulator) -> None:
    with pytest.raises(ConfigurationError, match="provider/model"):
        run(mode, emu, lambda api: api.complete(model="gpt-4o-mini"))
    assert emu.requests == []


def test_missing_key_names_the_env_var(mode: str, emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        run(mode, None, lambda api: api.complete(), base_url=emu.base_url())
    assert emu.requests == []


def test_key_from_env(mode: str, emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", str(emu.api_key))
    emu.script(Script(text="env ok"))
    assert run(mode, None, lambda api: api.complete(), base_url=emu.base_url()).text == "env ok"


def test_unknown_option_is_refused_before_network(mode: str, emu: Emulator) -> None:
    with pytest.raises(ConfigurationError, match="temprature") as info:
        run(mode, emu, lambda api: api.complete(temprature=0.2))
    assert "extra_body" in str(info.value)
    assert emu.requests == []


# ---------------------------------------------------------------- 32-34: odd model output


@pytest.mark.parametrize("raw", ['{"a": ', '{"a": 1,}', "[1, 2]", "not json at all", '"a string"'])
@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
def test_malformed_tool_arguments_keep_raw(mode: str, emu: Emulator, raw: str, streamed: bool) -> None:
    emu.script(Script(tool_calls=[ScriptedCall("f", arguments=raw, id="call_1")]))
    c = run(mode, emu, lambda api: api.stream() if streamed else api.complete())
    (tc,) = c.tool_calls
    assert tc.raw_arguments == raw
    assert tc.parse_error
    with pytest.raises(ToolArgumentsError) as info:
        _ = tc.arguments
    assert info.value.raw_arguments == raw
    assert c.finish_reason == FinishReason.TOOL_CALLS


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
def test_empty_tool_arguments_are_an_empty_dict(mode: str, emu: Emulator, streamed: bool) -> None:
    emu.script(Script(tool_calls=[ScriptedCall("now", arguments="", id="call_now")]))
    c = run(mode, emu, lambda api: api.stream() if streamed else api.complete())
    (tc,) = c.tool_calls
    assert tc.arguments == {}
    assert tc.name == "now"


def test_parallel_tool_calls_in_a_stream_are_grouped_by_index(mode: str, emu: Emulator) -> None:
    calls = [
        ScriptedCall("get_weather", {"city": "Paris", "unit": "celsius"}, id="call_a"),
        ScriptedCall("get_time", {"timezone": "Europe/Paris"}, id="call_b"),
        ScriptedCall("get_weather", {"city": "東京"}, id="call_c"),
    ]
    emu.script(Script(tool_calls=calls))
    events: list[StreamEvent] = []
    c = run(mode, emu, lambda api: api.stream(events=events))
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    assert {d.index for d in deltas} == {0, 1, 2}
    assert sum(1 for d in deltas if d.index == 0) > 1  # arguments really arrived in pieces
    assert [(t.id, t.name, t.arguments) for t in c.tool_calls] == [
        ("call_a", "get_weather", {"city": "Paris", "unit": "celsius"}),
        ("call_b", "get_time", {"timezone": "Europe/Paris"}),
        ("call_c", "get_weather", {"city": "東京"}),
    ]


@pytest.mark.parametrize("reason", ["length", "content_filter"])
@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
def test_finish_reason_exposed_not_raised(mode: str, emu: Emulator, reason: str, streamed: bool) -> None:
    emu.script(Script(text="cut sho", finish_reason=reason))
    c = run(mode, emu, lambda api: api.stream() if streamed else api.complete())
    assert c.finish_reason == FinishReason(reason)
    assert c.raw_finish_reason == reason
    assert c.text == "cut sho"


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
def test_unknown_finish_reason_is_kept_raw(mode: str, emu: Emulator, streamed: bool) -> None:
    emu.script(Script(text="hm", finish_reason="refusal"))
    c = run(mode, emu, lambda api: api.stream() if streamed else api.complete())
    assert c.finish_reason == FinishReason.OTHER
    assert c.raw_finish_reason == "refusal"


# ---------------------------------------------------------------- 17, 34: response bodies that drifted (pure)

CTX = CallContext(get_spec("openai"), "gpt-4o-mini", "https://api.openai.test/v1")


def parse(body: Any) -> Completion:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return DIALECT.parse_chat(HttpResponse(200, {}, raw), None, CTX)  # type: ignore[arg-type]


def test_response_shape_drift_is_tolerated() -> None:
    empty = parse({"id": "x", "choices": [], "model": "m"})
    assert (empty.text, empty.tool_calls, empty.finish_reason) == ("", [], FinishReason.OTHER)
    assert empty.usage.total_tokens == 0
    null = parse({"choices": [{"index": 0, "message": {"role": "assistant", "content": None}}]})
    assert null.text == "" and null.raw_finish_reason is None
    extra = parse(
        {
            "choices": [
                {"message": {"content": "hi", "brand_new": {"x": 1}}, "finish_reason": "refusal", "new": 1}
            ],
            "usage": {"prompt_tokens": 2, "completion_tokens": 1, "future_tokens_details": {"a": 1}},
            "service_tier_v9": "x",
        }
    )
    assert extra.text == "hi"
    assert (extra.finish_reason, extra.raw_finish_reason) == (FinishReason.OTHER, "refusal")
    assert extra.usage.total_tokens == 3


@pytest.mark.parametrize(
    "raw", [b"<html>oops</html>", b'{"choices": [', b"[1, 2]", b'{"no": "choices"}', b""]
)
def test_200_body_that_is_not_a_completion_is_a_decode_error(raw: bytes) -> None:
    with pytest.raises(ResponseDecodeError) as info:
        parse(raw)
    assert info.value.provider == "openai"
