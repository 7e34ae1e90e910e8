"""GigaChat through the public API over loopback HTTP, sync and async, against the emulator's
GigaChat profile (its OAuth endpoint issuing short-lived tokens, chat with functions, streams,
embeddings and its {status, message} errors)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from _walk import assert_no_secret

import llmkit
from llmkit.emulator import Emulator, Script, ScriptedCall
from llmkit.emulator import gigachat as giga_emu
from llmkit.emulator.script import ScriptedError
from llmkit.errors import (
    APIConnectionError,
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    NotSupportedError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    StreamInterruptedError,
)
from llmkit.types import FinishReason, Message, TextDelta, Tool

MODEL = "gigachat/GigaChat"
WEATHER = Tool(
    "get_weather",
    "The weather in a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


def _oauth(emu: Emulator) -> list[Any]:
    return [r for r in emu.requests if r.path == "/api/v2/oauth"]


def _chat(emu: Emulator) -> list[Any]:
    return [r for r in emu.requests if r.path == "/api/v1/chat/completions"]


def _complete(mode: str, *args: Any, **kw: Any) -> llmkit.Completion:
    if mode == "sync":
        return llmkit.complete(*args, **kw)
    return asyncio.run(llmkit.acomplete(*args, **kw))


def _stream_text(mode: str, *args: Any, **kw: Any) -> tuple[str, llmkit.Completion]:
    if mode == "sync":
        with llmkit.stream(*args, **kw) as s:
            text = "".join(e.text for e in s if isinstance(e, TextDelta))
            return text, s.completion

    async def main() -> tuple[str, llmkit.Completion]:
        async with llmkit.astream(*args, **kw) as s:
            parts = [e.text async for e in s if isinstance(e, TextDelta)]
            return "".join(parts), s.completion

    return asyncio.run(main())


MODES = ["sync", "async"]


@pytest.mark.parametrize("mode", MODES)
def test_completion_exchanges_the_key_once_and_sends_the_bearer(giga: Emulator, mode: str) -> None:
    giga.script(Script(text="Hello."), Script(text="Again."))
    assert _complete(mode, MODEL, "Say hello").text == "Hello."
    assert _complete(mode, MODEL, "Say hello").text == "Again."
    (oauth,) = _oauth(giga)
    assert oauth.headers["authorization"] == "Basic " + giga_emu.DEFAULT_CREDENTIALS
    assert oauth.body == b"scope=GIGACHAT_API_PERS"
    assert len(oauth.headers["rquid"]) == 36
    chats = _chat(giga)
    assert len(chats) == 2 and all(c.headers["authorization"].startswith("Bearer emu-giga-") for c in chats)
    assert chats[0].json() == {"model": "GigaChat", "messages": [{"role": "user", "content": "Say hello"}]}


@pytest.mark.parametrize("mode", MODES)
def test_stream_keeps_usage_of_the_last_chunk(giga: Emulator, mode: str) -> None:
    giga.script(Script(text="one two three", input_tokens=5, output_tokens=3))
    text, done = _stream_text(mode, MODEL, "Count")
    assert text == "one two three" and done.text == text
    assert (done.usage.input_tokens, done.usage.output_tokens) == (5, 3)
    assert done.finish_reason == FinishReason.STOP
    (sent,) = _chat(giga)
    assert sent.json()["stream"] is True and "stream_options" not in sent.json()
    assert sent.headers["accept"] == "text/event-stream"


@pytest.mark.parametrize("mode", MODES)
def test_tools_go_as_functions_and_come_back_as_tool_calls(giga: Emulator, mode: str) -> None:
    giga.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Moscow"})]), Script(text="Sunny"))
    first = _complete(mode, MODEL, "Weather in Moscow?", tools=[WEATHER])
    (call,) = first.tool_calls
    assert (call.name, call.arguments, call.id) == ("get_weather", {"city": "Moscow"}, "call_0")
    assert first.finish_reason == FinishReason.TOOL_CALLS
    assert first.raw_finish_reason == "function_call"
    messages = [
        Message("user", "Weather in Moscow?"),
        first.message,
        Message("tool", "sunny, +20", tool_call_id=call.id),
    ]
    second = _complete(mode, MODEL, messages, tools=[WEATHER], tool_choice="auto")
    assert second.text == "Sunny"
    sent = _chat(giga)
    assert sent[0].json()["functions"] == [
        {"name": "get_weather", "parameters": WEATHER.parameters, "description": "The weather in a city"}
    ]
    assert "tools" not in sent[0].json()
    wire = sent[1].json()
    assert wire["function_call"] == "auto"
    assert wire["messages"][1] == {
        "role": "assistant",
        "content": "",
        "function_call": {"name": "get_weather", "arguments": {"city": "Moscow"}},
    }
    assert wire["messages"][2] == {
        "role": "function",
        "name": "get_weather",
        "content": '{"result":"sunny, +20"}',
    }


@pytest.mark.parametrize("mode", MODES)
def test_a_streamed_function_call(giga: Emulator, mode: str) -> None:
    giga.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Kazan"})]))
    _, done = _stream_text(mode, MODEL, "Weather?", tools=[WEATHER], tool_choice="get_weather")
    (call,) = done.tool_calls
    assert (call.name, call.arguments) == ("get_weather", {"city": "Kazan"})
    assert done.finish_reason == FinishReason.TOOL_CALLS
    assert _chat(giga)[0].json()["function_call"] == {"name": "get_weather"}


@pytest.mark.parametrize("mode", MODES)
def test_embeddings_sum_the_per_item_usage(giga: Emulator, mode: str) -> None:
    texts = ["First text", "Second text"]
    if mode == "sync":
        out = llmkit.embed("gigachat/Embeddings", texts)
    else:
        out = asyncio.run(llmkit.aembed("gigachat/Embeddings", texts))
    assert len(out.vectors) == 2 and len(out.vectors[0]) == 8
    assert out.usage.input_tokens == 8  # 2 words + 2 on each item, as the emulator counts
    (sent,) = [r for r in giga.requests if r.path == "/api/v1/embeddings"]
    assert sent.json() == {"model": "Embeddings", "input": texts}


@pytest.mark.parametrize("mode", MODES)
def test_wrong_credentials_name_the_option_without_the_secret(
    giga: Emulator, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "d3JvbmctaWQ6d3Jvbmctc2VjcmV0LXNob3VsZC1uZXZlci1sZWFr"
    monkeypatch.setenv("GIGACHAT_CREDENTIALS", secret)
    with pytest.raises(AuthenticationError) as info:
        _complete(mode, MODEL, "hi", max_retries=0)
    assert "GIGACHAT_CREDENTIALS" in str(info.value) and "credentials=" in str(info.value)
    assert info.value.status_code == 401
    assert_no_secret(info.value, secret)
    assert not _chat(giga)


def test_missing_credentials_is_a_configuration_error(
    giga: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GIGACHAT_CREDENTIALS")
    with pytest.raises(ConfigurationError, match=r"credentials=.*GIGACHAT_CREDENTIALS"):
        llmkit.complete(MODEL, "hi")


def test_verify_false_is_refused(giga: Emulator) -> None:
    with pytest.raises(ConfigurationError, match="GIGACHAT_CA_BUNDLE_FILE"):
        llmkit.complete(MODEL, "hi", verify=False)


def test_options_by_keyword(giga: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GIGACHAT_CREDENTIALS", "GIGACHAT_AUTH_URL"):
        monkeypatch.delenv(name)
    giga.script(Script(text="ok"))
    done = llmkit.complete(
        MODEL,
        "hi",
        credentials=giga_emu.DEFAULT_CREDENTIALS,
        scope="GIGACHAT_API_CORP",
        auth_url=giga_emu.auth_url(giga),
        session_id="s-1",
    )
    assert done.text == "ok"
    assert _oauth(giga)[0].body == b"scope=GIGACHAT_API_CORP"
    assert _chat(giga)[0].headers["x-session-id"] == "s-1"


@pytest.mark.parametrize("mode", MODES)
def test_an_expired_token_is_refreshed(giga: Emulator, mode: str) -> None:
    giga_emu.set_token_lifetime(giga, 61)  # inside the 60 s margin after a second
    giga.script(Script(text="a"), Script(text="b"))
    assert _complete(mode, MODEL, "hi").text == "a"
    time.sleep(1.1)
    assert _complete(mode, MODEL, "hi").text == "b"
    assert len(_oauth(giga)) == 2
    first, second = (c.headers["authorization"] for c in _chat(giga))
    assert first != second


@pytest.mark.parametrize("mode", MODES)
def test_a_401_on_a_revoked_token_refreshes_once_and_resends(giga: Emulator, mode: str) -> None:
    giga.script(Script(text="a"), Script(text="b"))
    assert _complete(mode, MODEL, "hi").text == "a"
    giga_emu.revoke_tokens(giga)
    assert _complete(mode, MODEL, "hi", max_retries=0).text == "b"
    assert len(_oauth(giga)) == 2
    assert len(_chat(giga)) == 3  # the rejected one, then its one resend


def test_a_401_twice_is_an_authentication_error_after_one_refresh(giga: Emulator) -> None:
    giga.script(Script(error=ScriptedError(401, "Token has expired")), Script(error=ScriptedError(401, "no")))
    with pytest.raises(AuthenticationError):
        llmkit.complete(MODEL, "hi", max_retries=0)
    assert len(_oauth(giga)) == 2 and len(_chat(giga)) == 2


@pytest.mark.parametrize("mode", MODES)
def test_error_shapes_are_typed(giga: Emulator, mode: str) -> None:
    giga.script(Script(error=ScriptedError(404, "No such model")))
    with pytest.raises(NotFoundError, match="No such model"):
        _complete(mode, "gigachat/NonExistentModel", "hi", max_retries=0)
    giga.script(Script(error=ScriptedError(429, "Too many requests")))
    with pytest.raises(RateLimitError, match="Too many requests"):
        _complete(mode, MODEL, "hi", max_retries=0)
    giga.script(Script(error=ScriptedError(500, "Internal error")), Script(text="recovered"))
    assert _complete(mode, MODEL, "hi", max_retries=1).text == "recovered"
    giga.script(Script(error=ScriptedError(503, "down")))
    with pytest.raises(ServerError):
        _complete(mode, MODEL, "hi", max_retries=0)


def test_a_malformed_body_is_a_decode_error(giga: Emulator) -> None:
    giga.script(Script(fault="malformed", after=0))
    with pytest.raises((ResponseDecodeError, StreamInterruptedError)):
        with llmkit.stream(MODEL, "hi", max_retries=0) as s:
            s.completion()


@pytest.mark.parametrize("mode", MODES)
def test_a_cut_stream_keeps_what_arrived(giga: Emulator, mode: str) -> None:
    giga.script(Script(text="alpha beta gamma delta", fault="cut", after=2))
    with pytest.raises((StreamInterruptedError, APIConnectionError)) as info:
        _stream_text(mode, MODEL, "hi", max_retries=0)
    partial = getattr(info.value, "partial", None)
    assert partial is not None and partial.text == "alpha beta"


@pytest.mark.parametrize("mode", MODES)
def test_structured_output_in_gigachats_shape(giga: Emulator, mode: str) -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    giga.script(Script(json={"answer": "ok"}))
    done = _complete(mode, MODEL, "answer", response_format=schema)
    assert json.loads(done.text) == {"answer": "ok"}
    sent = _chat(giga)[0].json()["response_format"]
    assert sent["type"] == "json_schema" and sent["schema"]["properties"] == schema["properties"]
    assert "json_schema" not in sent


def test_stop_sequences_are_refused_by_name(giga: Emulator) -> None:
    with pytest.raises(NotSupportedError, match="stop"):
        llmkit.complete(MODEL, "hi", stop=["\n"])
