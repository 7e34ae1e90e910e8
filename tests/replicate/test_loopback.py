"""Replicate through the public API over loopback against the emulator, sync and async: chat,
streaming, waiting and polling, failures, cancellation, errors and addressing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tests.conftest import CANARY_KEY

import llmkit
from llmkit.emulator import Emulator
from llmkit.emulator.script import Script, ScriptedError
from llmkit.errors import (
    AuthenticationError,
    ConfigurationError,
    PredictionFailedError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    StreamInterruptedError,
)
from llmkit.types import TextDelta

MODEL = "replicate/meta/meta-llama-3-8b-instruct"
VERSION = "5c7854e8a7c3b4d1f0e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7"


def kw(emu: Emulator, **extra: Any) -> dict[str, Any]:
    return {"api_key": CANARY_KEY, "base_url": emu.base_url("replicate"), "poll_interval": 0.01, **extra}


def test_complete_with_prefer_wait(emu: Emulator) -> None:
    emu.script(Script(text="Llamas are calm."))
    c = llmkit.complete(MODEL, "Tell me about llamas", **kw(emu))
    assert c.text == "Llamas are calm." and c.provider == "replicate"
    assert c.usage.input_tokens == 12 and c.usage.output_tokens == 7
    (req,) = emu.requests
    assert req.path == "/v1/models/meta/meta-llama-3-8b-instruct/predictions"
    assert req.headers["prefer"] == "wait" and req.headers["authorization"] == f"Bearer {CANARY_KEY}"
    assert req.json() == {"input": {"prompt": "Tell me about llamas"}}


def test_flattened_conversation_and_sampling(emu: Emulator) -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "Name a camelid."},
    ]
    llmkit.complete(MODEL, messages, temperature=0.2, max_tokens=50, stop=["\n", "END"], **kw(emu))
    inp = emu.requests[0].json()["input"]
    assert inp == {
        "prompt": "User: Hi\n\nAssistant: Hello!\n\nUser: Name a camelid.\n\nAssistant:",
        "system_prompt": "Be brief.",
        "temperature": 0.2,
        "max_tokens": 50,
        "stop_sequences": "\n,END",
    }


def test_polls_until_succeeded(emu: Emulator) -> None:
    emu.script(Script(text="after polling", extra={"polls": 3}))
    c = llmkit.complete(MODEL, "hi", wait=False, **kw(emu))
    assert c.text == "after polling"
    paths = [(r.method, r.path.split("/")[2]) for r in emu.requests]
    assert paths == [("POST", "models")] + [("GET", "predictions")] * 3
    assert "prefer" not in emu.requests[0].headers
    assert all(r.headers["authorization"] == f"Bearer {CANARY_KEY}" for r in emu.requests)


def test_version_and_deployment_routes(emu: Emulator) -> None:
    llmkit.complete(f"replicate/meta/llama:{VERSION}", "hi", **kw(emu))
    llmkit.complete("replicate/deployments/acme/my-llm", "hi", **kw(emu))
    llmkit.complete(f"replicate/{VERSION}", "hi", wait=7, **kw(emu))
    a, b, c = emu.requests
    assert a.path == "/v1/predictions" and a.json()["version"] == VERSION
    assert b.path == "/v1/deployments/acme/my-llm/predictions" and "version" not in b.json()
    assert c.path == "/v1/predictions" and c.headers["prefer"] == "wait=7"


@pytest.mark.parametrize(
    "model",
    ["replicate/meta", "replicate/a/b/c", "replicate/../x", "replicate/meta/..", "replicate/meta/x:abc",
     "replicate/me%2fta/x", "replicate/meta/x?y", "replicate/deployments/a/.."],
)  # fmt: skip
def test_bad_addresses_refused_before_network(emu: Emulator, model: str) -> None:
    with pytest.raises(ConfigurationError):
        llmkit.complete(model, "hi", **kw(emu))
    assert emu.requests == []


def test_token_scheme(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    llmkit.complete(MODEL, "hi", auth_scheme="Token", **kw(emu))
    monkeypatch.setenv("REPLICATE_AUTH_SCHEME", "token")
    llmkit.complete(MODEL, "hi", **kw(emu))
    assert [r.headers["authorization"] for r in emu.requests] == [f"Token {CANARY_KEY}"] * 2
    with pytest.raises(ConfigurationError, match="Bearer"):
        llmkit.complete(MODEL, "hi", auth_scheme="Basic", **kw(emu))


def test_missing_key_names_keyword_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REPLICATE_API_TOKEN", "REPLICATE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError, match=r"api_key=.*REPLICATE_API_TOKEN"):
        llmkit.complete(MODEL, "hi")


def test_failed_prediction_is_typed(emu: Emulator) -> None:
    emu.script(Script(extra={"fail": "CUDA out of memory", "polls": 1}))
    with pytest.raises(PredictionFailedError, match="CUDA out of memory") as info:
        llmkit.complete(MODEL, "hi", wait=False, **kw(emu))
    assert info.value.prediction_id and info.value.provider == "replicate"


def test_wrong_key(emu: Emulator) -> None:
    with pytest.raises(AuthenticationError, match="valid authentication token") as info:
        llmkit.complete(MODEL, "hi", **kw(emu, api_key="r8_wrong"))
    assert "r8_wrong" not in str(info.value)


def test_rate_limit_retried_then_answered(emu: Emulator) -> None:
    emu.script(
        Script(error=ScriptedError(429, "Request was throttled", headers={"retry-after": "0"})),
        Script(text="ok"),
    )
    assert llmkit.complete(MODEL, "hi", **kw(emu)).text == "ok"
    emu.script(Script(error=ScriptedError(429, "Request was throttled", headers={"retry-after": "0"})))
    with pytest.raises(RateLimitError, match="throttled"):
        llmkit.complete(MODEL, "hi", max_retries=0, **kw(emu))


def test_server_error(emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(503, "Service unavailable")))
    with pytest.raises(ServerError):
        llmkit.complete(MODEL, "hi", max_retries=0, **kw(emu))


def test_malformed_and_foreign_urls(emu: Emulator) -> None:
    emu.script(Script(extra={"polls": 1, "get_url": "https://evil.example/v1/predictions/x"}))
    with pytest.raises(ResponseDecodeError, match="another host"):
        llmkit.complete(MODEL, "hi", wait=False, **kw(emu))
    assert [r.method for r in emu.requests] == ["POST"]  # never sent to evil.example
    emu.script(Script(extra={"stream_url": "https://evil.example/stream"}))
    with pytest.raises(ResponseDecodeError, match="another host"):
        llmkit.stream(MODEL, "hi", **kw(emu))
    emu.script(Script(extra={"output": {"not": "text"}}))
    with pytest.raises(ResponseDecodeError):
        llmkit.complete(MODEL, "hi", **kw(emu))


def test_stream(emu: Emulator) -> None:
    emu.script(Script(text="streamed in\nseveral pieces"))
    with llmkit.stream(MODEL, "hi", **kw(emu)) as s:
        pieces = [e.text for e in s if isinstance(e, TextDelta)]
    assert "".join(pieces) == "streamed in\nseveral pieces" == s.completion.text
    create, stream = emu.requests
    assert create.json()["stream"] is True and "prefer" not in create.headers
    assert stream.path.startswith("/v1/streams/") and stream.headers["accept"] == "text/event-stream"
    assert stream.headers["authorization"] == f"Bearer {CANARY_KEY}"


def test_stream_cut_keeps_what_arrived(emu: Emulator) -> None:
    emu.script(Script(text="one two three four", fault="cut", after=2))
    with pytest.raises(StreamInterruptedError) as info, llmkit.stream(MODEL, "hi", **kw(emu)) as s:
        for _ in s:
            pass
    assert info.value.partial is not None and info.value.partial.text == "one two "


def test_stream_error_event(emu: Emulator) -> None:
    emu.script(Script(text="one two three", fault="stream_error", after=2))
    with (
        pytest.raises(PredictionFailedError, match="CUDA out of memory") as info,
        llmkit.stream(MODEL, "hi", **kw(emu)) as s,
    ):
        for _ in s:
            pass
    assert info.value.partial is not None and info.value.partial.text == "one two "


def test_async_complete_stream_and_errors(emu: Emulator) -> None:
    emu.script(Script(text="async whole", extra={"polls": 2}), Script(text="async in pieces"))

    async def go() -> tuple[str, str]:
        async with llmkit.AsyncClient() as client:
            c = await client.complete(MODEL, "hi", wait=False, **kw(emu))
            async with client.stream(MODEL, "hi", **kw(emu)) as s:
                pieces = [e.text async for e in s if isinstance(e, TextDelta)]
            with pytest.raises(AuthenticationError):
                await client.complete(MODEL, "hi", **kw(emu, api_key="r8_wrong"))
            emu.script(Script(extra={"fail": "bad input"}))
            with pytest.raises(PredictionFailedError, match="bad input"):
                await client.complete(MODEL, "hi", **kw(emu))
            emu.script(Script(text="a b c d", fault="cut", after=1))
            with pytest.raises(StreamInterruptedError) as info:
                async with client.stream(MODEL, "hi", **kw(emu)) as s2:
                    async for _ in s2:
                        pass
            assert info.value.partial is not None and info.value.partial.text == "a "
        return c.text, "".join(pieces)

    assert asyncio.run(go()) == ("async whole", "async in pieces")
