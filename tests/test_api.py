"""The public API contract over loopback: module functions, clients, completions, streams, embeddings."""

from __future__ import annotations

import asyncio
import pickle
from typing import Any

import pytest

import llmkit
from llmkit import errors
from llmkit.emulator import Emulator, Script, ScriptedCall
from llmkit.types import (
    Completion,
    Embeddings,
    Finish,
    FinishReason,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
    UsageUpdate,
)

MODEL = "openai/gpt-4o-mini"


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def kw(emu: Emulator, **extra: Any) -> dict[str, Any]:
    return {"api_key": emu.api_key, "base_url": emu.base_url(), **extra}


def module_complete(mode: str, emu: Emulator, messages: Any = "hello", **extra: Any) -> Completion:
    if mode == "sync":
        return llmkit.complete(MODEL, messages, **kw(emu, **extra))
    return asyncio.run(llmkit.acomplete(MODEL, messages, **kw(emu, **extra)))


def module_stream(
    mode: str, emu: Emulator, messages: Any = "hello", **extra: Any
) -> tuple[list[Any], Completion]:
    if mode == "sync":
        with llmkit.stream(MODEL, messages, **kw(emu, **extra)) as s:
            events = list(s)
        return events, s.completion

    async def main() -> tuple[list[Any], Completion]:
        async with llmkit.astream(MODEL, messages, **kw(emu, **extra)) as s:
            events = [ev async for ev in s]
        return events, s.completion

    return asyncio.run(main())


# ---------------------------------------------------------------- surface


def test_public_names_resolve() -> None:
    for name in llmkit.__all__:
        assert getattr(llmkit, name) is not None, name
    with pytest.raises(AttributeError):
        _ = llmkit.definitely_not_a_thing  # type: ignore[attr-defined]


def test_every_error_is_an_llmkit_error_and_pickles() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, llmkit.LLMKitError), name
        exc = cls("message")
        again = pickle.loads(pickle.dumps(exc))
        assert type(again) is cls and str(again) == str(exc)


def test_error_hierarchy() -> None:
    E = errors
    assert issubclass(E.StreamInterruptedError, E.APIConnectionError)
    assert issubclass(E.APITimeoutError, E.APIConnectionError)
    assert issubclass(E.APIConnectionError, E.ProviderError)
    assert issubclass(E.ContextWindowExceededError, E.BadRequestError)
    assert issubclass(E.ContentFilteredError, E.BadRequestError)
    assert issubclass(E.OverloadedError, E.ServerError)
    assert issubclass(E.NotSupportedError, E.ConfigurationError)
    for cls in (E.RateLimitError, E.AuthenticationError, E.PermissionDeniedError, E.NotFoundError):
        assert issubclass(cls, E.ProviderError)


# ---------------------------------------------------------------- complete


def test_complete_fields(mode: str, emu: Emulator) -> None:
    emu.script(
        Script(text="Hello there", input_tokens=11, output_tokens=3, cached_tokens=4, reasoning_tokens=2)
    )
    c = module_complete(mode, emu)
    assert isinstance(c, Completion)
    assert c.text == "Hello there"
    assert c.message.role == "assistant"
    assert c.tool_calls == []
    assert c.finish_reason == FinishReason.STOP and c.finish_reason == "stop"
    assert c.raw_finish_reason == "stop"
    assert c.usage == Usage(
        input_tokens=11, output_tokens=3, total_tokens=14, cached_input_tokens=4, reasoning_tokens=2
    )
    assert (c.model, c.provider) == ("gpt-4o-mini", "openai")
    assert c.id and c.id.startswith("chatcmpl-")
    assert c.raw["object"] == "chat.completion"


def test_default_echo_and_request_shape(mode: str, emu: Emulator) -> None:
    c = module_complete(
        mode,
        emu,
        "ping",
        temperature=0.2,
        max_tokens=50,
        stop="END",
        seed=7,
        extra_headers={"x-trace": "abc"},
        extra_body={"metadata": {"k": "v"}},
    )
    assert c.text == "Hello from the llmkit emulator! You said: ping"
    req = emu.requests[-1]
    body = req.json()
    assert req.path == "/v1/chat/completions"
    assert req.headers["authorization"] == f"Bearer {emu.api_key}"
    assert req.headers["x-trace"] == "abc"
    assert req.headers["content-type"].startswith("application/json")
    assert body["model"] == "gpt-4o-mini"
    assert body["temperature"] == 0.2
    assert body["max_completion_tokens"] == 50  # OpenAI's name for it
    assert body["stop"] == ["END"]
    assert body["seed"] == 7
    assert body["metadata"] == {"k": "v"}
    assert "stream" not in body


def test_reasoning_is_exposed(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="42", reasoning="Let me think step by step."))
    # The "deepseek" profile speaks OpenAI's format and, unlike OpenAI itself, returns reasoning text.
    c = module_complete(mode, emu, base_url=emu.base_url("deepseek"))
    assert c.reasoning == "Let me think step by step."
    assert c.text == "42"


def test_tool_calls_decoded(mode: str, emu: Emulator) -> None:
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Zürich", "days": 2}, id="call_w")]))
    c = module_complete(mode, emu)
    (tc,) = c.tool_calls
    assert (tc.id, tc.name, tc.arguments) == ("call_w", "get_weather", {"city": "Zürich", "days": 2})
    assert c.finish_reason == FinishReason.TOOL_CALLS
    assert c.text == ""


def test_client_defaults_and_context_managers(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="a"), Script(text="b"))

    async def main() -> list[str]:
        if mode == "sync":
            with llmkit.Client(api_key=emu.api_key, base_url=emu.base_url(), headers={"x-app": "t"}) as c:
                return [c.complete(MODEL, "1").text, c.complete(MODEL, "2").text]
        async with llmkit.AsyncClient(
            api_key=emu.api_key, base_url=emu.base_url(), headers={"x-app": "t"}
        ) as ac:
            return [(await ac.complete(MODEL, "1")).text, (await ac.complete(MODEL, "2")).text]

    assert asyncio.run(main()) == ["a", "b"]
    assert [r.headers.get("x-app") for r in emu.requests] == ["t", "t"]


def test_per_provider_keys_on_a_client(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="ok"))

    async def main() -> str:
        if mode == "sync":
            with llmkit.Client(api_keys={"openai": str(emu.api_key)}, base_url=emu.base_url()) as c:
                return c.complete(MODEL, "x").text
        async with llmkit.AsyncClient(api_keys={"openai": str(emu.api_key)}, base_url=emu.base_url()) as ac:
            return (await ac.complete(MODEL, "x")).text

    assert asyncio.run(main()) == "ok"


def test_openai_compatible_provider_without_key(
    mode: str, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the key is optional here: no ConfigurationError, the request goes out without auth (and this
    # emulator, which wants a key, answers 401)
    monkeypatch.delenv("OPENAI_COMPATIBLE_API_KEY", raising=False)
    args: dict[str, Any] = {"base_url": emu.base_url(), "max_retries": 0}
    with pytest.raises(errors.AuthenticationError):
        if mode == "sync":
            llmkit.complete("openai_compatible/my-model", "x", **args)
        else:
            asyncio.run(llmkit.acomplete("openai_compatible/my-model", "x", **args))
    assert "authorization" not in emu.requests[-1].headers


def test_openai_compatible_provider_with_key(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="vllm says hi"))
    args = {"base_url": emu.base_url(), "api_key": emu.api_key}
    if mode == "sync":
        c = llmkit.complete("openai_compatible/my-model", "x", **args)
    else:
        c = asyncio.run(llmkit.acomplete("openai_compatible/my-model", "x", **args))
    assert c.text == "vllm says hi" and c.provider == "openai_compatible"
    body = emu.requests[-1].json()
    assert body["model"] == "my-model"


# ---------------------------------------------------------------- stream


def test_stream_events_and_completion(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="one two three four", reasoning="hmm, ok", input_tokens=5, output_tokens=4))
    events, c = module_stream(mode, emu, base_url=emu.base_url("deepseek"))
    kinds = [type(e) for e in events]
    assert kinds[0] is ReasoningDelta
    assert kinds[-2:] == [Finish, UsageUpdate]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "one two three four"
    assert sum(1 for e in events if isinstance(e, TextDelta)) == 4
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == "hmm, ok"
    assert c.text == "one two three four"
    assert c.reasoning == "hmm, ok"
    assert c.usage.input_tokens == 5 and c.usage.output_tokens == 4 and c.usage.total_tokens == 9
    body = emu.requests[-1].json()
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert emu.requests[-1].headers.get("accept") == "text/event-stream"


def test_stream_tool_call_deltas(mode: str, emu: Emulator) -> None:
    emu.script(Script(tool_calls=[ScriptedCall("f", {"x": "a long enough value"}, id="call_f")]))
    events, c = module_stream(mode, emu)
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    assert deltas[0].id == "call_f" and deltas[0].name == "f"
    assert all(d.index == 0 for d in deltas)
    assert "".join(d.arguments_delta for d in deltas) == '{"x":"a long enough value"}'
    assert c.tool_calls[0].arguments == {"x": "a long enough value"}


def test_sync_and_async_streams_give_identical_events(emu: Emulator) -> None:
    script = {
        "text": "the same words in the same order",
        "reasoning": "r",
        "input_tokens": 3,
        "output_tokens": 7,
    }
    emu.script(Script(**script))
    sync_events, sync_c = module_stream("sync", emu)
    emu.script(Script(**script))
    async_events, async_c = module_stream("async", emu)
    assert sync_events == async_events
    assert (sync_c.text, sync_c.usage, sync_c.finish_reason) == (
        async_c.text,
        async_c.usage,
        async_c.finish_reason,
    )


def test_sync_stream_text_stream_and_lazy_completion(emu: Emulator) -> None:
    emu.script(Script(text="a b c"), Script(text="d e f"))
    with llmkit.stream(MODEL, "x", **kw(emu)) as s:
        assert "".join(s.text_stream()) == "a b c"
    s2 = llmkit.stream(MODEL, "x", **kw(emu))
    assert s2.completion.text == "d e f"  # reading .completion consumes the stream


def test_async_stream_helpers(emu: Emulator) -> None:
    emu.script(Script(text="a b c"), Script(text="d e f"), Script(text="g"))

    async def main() -> tuple[str, str, str]:
        s = llmkit.astream(MODEL, "x", **kw(emu))
        with pytest.raises(llmkit.errors.ConfigurationError):
            _ = s.completion  # not iterated yet
        text = "".join([t async for t in s.text_stream()])
        c = await llmkit.astream(MODEL, "x", **kw(emu)).get_completion()
        started = await llmkit.astream(MODEL, "x", **kw(emu))  # awaiting starts the request
        g = await started.get_completion()
        return text, c.text, g.text

    assert asyncio.run(main()) == ("a b c", "d e f", "g")


def test_async_stream_sends_nothing_until_started(emu: Emulator) -> None:
    async def main() -> None:
        s = llmkit.astream(MODEL, "x", **kw(emu))
        await asyncio.sleep(0)
        assert emu.requests == []
        await s.aclose()

    asyncio.run(main())


def test_long_stream_with_many_chunks(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="w" * 3000, chunk_chars=3))
    events, c = module_stream(mode, emu)
    assert sum(1 for e in events if isinstance(e, TextDelta)) == 1000
    assert c.text == "w" * 3000


# ---------------------------------------------------------------- embeddings


def test_embed(mode: str, emu: Emulator) -> None:
    model = "openai/text-embedding-3-small"
    if mode == "sync":
        e = llmkit.embed(model, ["a", "bb", "ccc"], dimensions=16, **kw(emu))
        one = llmkit.embed(model, "single", **kw(emu))
    else:
        e = asyncio.run(llmkit.aembed(model, ["a", "bb", "ccc"], dimensions=16, **kw(emu)))
        one = asyncio.run(llmkit.aembed(model, "single", **kw(emu)))
    assert isinstance(e, Embeddings)
    assert len(e.vectors) == 3 and all(len(v) == 16 for v in e.vectors)
    assert all(isinstance(x, float) for v in e.vectors for x in v)
    assert e.usage.input_tokens == 3
    assert (e.model, e.provider) == ("text-embedding-3-small", "openai")
    assert len(one.vectors) == 1
    assert emu.requests[0].json()["input"] == ["a", "bb", "ccc"]
    assert emu.requests[0].json()["dimensions"] == 16


def test_embed_unknown_provider(mode: str, emu: Emulator) -> None:
    with pytest.raises(llmkit.ConfigurationError):
        if mode == "sync":
            llmkit.embed("nope/x", "a", **kw(emu))
        else:
            asyncio.run(llmkit.aembed("nope/x", "a", **kw(emu)))
    assert emu.requests == []


def test_count_tokens_for_openai_is_offline(mode: str, emu: Emulator) -> None:
    # OpenAI has no counting endpoint: llmkit counts with the model's encoding, sending nothing.
    if mode == "sync":
        counted = llmkit.count_tokens(MODEL, "hello", **kw(emu))
    else:
        counted = asyncio.run(llmkit.acount_tokens(MODEL, "hello", **kw(emu)))
    assert counted.method.startswith("offline:")
    assert emu.requests == []


# ---------------------------------------------------------------- events are plain data


def test_stream_events_are_frozen_values() -> None:
    a: StreamEvent = TextDelta("x")
    assert a == TextDelta("x") and hash(a) == hash(TextDelta("x"))
    with pytest.raises(AttributeError):
        a.text = "y"  # type: ignore[misc]


def test_module_async_functions_across_event_loops_leak_nothing(
    emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    import gc

    emu.script(Script(text="1"), Script(text="2"), Script(text="3"))
    texts = [asyncio.run(llmkit.acomplete(MODEL, "x", **kw(emu))).text for _ in range(3)]
    assert texts == ["1", "2", "3"]
    gc.collect()
    leaks = [r for r in caplog.records if "Unclosed" in r.getMessage()]
    assert leaks == []
