"""Xinference held against its official client, ``xinference-client`` (test-only), both directions.

The client posts plain JSON with ``requests`` and returns the parsed dicts, typed by the
TypedDicts in ``xinference_client.types``: the emulator's answers are validated against those
(``ChatCompletion``, ``ChatCompletionChunk``), and every field llmkit sends is one the client's
``chat()`` sends (``model``, ``messages``, ``tools``) or declares in ``PytorchGenerateConfig``. Its
error reader takes the message from a FastAPI ``{"detail": ...}`` body, the shape Xinference's
server answers with, which llmkit must read too.

The chat handle is built directly (``RESTfulChatModelHandle``): ``Client.get_model`` first asks
the server's management routes (``/v1/cluster/auth``, ``/v1/models/{uid}``), which llmkit never
calls. The test skips when the client is not installed."""

from __future__ import annotations

import json
from typing import Any, get_type_hints

import pytest
from pydantic import TypeAdapter

import llmkit
from llmkit import errors
from llmkit.emulator import Emulator, Script, ScriptedCall, ScriptedError
from llmkit.providers import get_spec
from llmkit.types import Tool

xc = pytest.importorskip("xinference_client")
from xinference_client.client.restful.restful_client import RESTfulChatModelHandle  # noqa: E402
from xinference_client.types import (  # noqa: E402
    ChatCompletion,
    ChatCompletionChunk,
    PytorchGenerateConfig,
)

KEY = "sk-CANARY-7f3a9c2e41d84b6f"
WEATHER = Tool(
    "get_weather",
    "Weather for a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
TOOL = {"type": "function", "function": {"name": WEATHER.name, "parameters": WEATHER.parameters}}
# chat()'s own body fields; everything else comes from generate_config.
CHAT_FIELDS = {"model", "messages", "tools"}


def _handle(emu: Emulator) -> Any:
    # The client's base URL is the server root; it appends /v1/chat/completions itself.
    root = emu.base_url("xinference").removesuffix("/v1")
    return RESTfulChatModelHandle("m", root, auth_headers={"Authorization": f"Bearer {KEY}"})


def test_spec_matches_the_client_paths() -> None:
    """The client posts to ``{root}/v1/chat/completions``; llmkit's base is ``{root}/v1``, and the
    server's default port is 9997 (Xinference's docs)."""
    spec = get_spec("xinference")
    assert spec.base_url == "http://127.0.0.1:9997/v1"
    assert not spec.key_required  # a key only with --auth-config


def test_client_reads_the_emulator(emu: Emulator) -> None:
    model = _handle(emu)
    emu.script(Script(text="Paris.", input_tokens=9, output_tokens=2))
    done = model.chat(messages=[{"role": "user", "content": "Capital?"}])
    TypeAdapter(ChatCompletion).validate_python(done)
    assert done["choices"][0]["message"]["content"] == "Paris." and done["usage"]["prompt_tokens"] == 9
    assert emu.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    assert emu.requests[-1].path.endswith("/v1/chat/completions")

    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Lima"}, id="call_sdk_1")]))
    tools = model.chat(messages=[{"role": "user", "content": "Weather?"}], tools=[TOOL])
    TypeAdapter(ChatCompletion).validate_python(tools)
    [tc] = tools["choices"][0]["message"]["tool_calls"]
    assert (tc["id"], tc["function"]["name"], json.loads(tc["function"]["arguments"])) == (
        "call_sdk_1",
        "get_weather",
        {"city": "Lima"},
    )
    assert tools["choices"][0]["finish_reason"] == "tool_calls"

    emu.script(Script(text="one two three"))
    chunks = list(
        model.chat(messages=[{"role": "user", "content": "Count"}], generate_config={"stream": True})
    )
    for chunk in chunks:
        TypeAdapter(ChatCompletionChunk).validate_python(chunk)
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == "one two three"


def test_client_and_llmkit_read_the_same_error(emu: Emulator) -> None:
    """Xinference answers errors as FastAPI does, ``{"detail": "..."}``: the client reports that
    message, and so does llmkit's typed error."""
    message = "Model not found in the model list, uid: m"
    emu.script(Script(error=ScriptedError(400, message)))
    with pytest.raises(RuntimeError, match=message):
        _handle(emu).chat(messages=[{"role": "user", "content": "Hi"}])
    emu.script(Script(error=ScriptedError(400, message)))
    with pytest.raises(errors.ProviderError) as info:
        llmkit.complete("xinference/m", "Hi", base_url=emu.base_url("xinference"), api_key=KEY, max_retries=0)
    err = info.value
    assert isinstance(err, errors.BadRequestError)
    assert (err.status_code, err.message.endswith(f"HTTP 400: {message}")) == (400, True)
    assert err.body == {"detail": message}


@pytest.mark.parametrize("stream", [False, True])
def test_llmkit_request_fits_the_client(emu: Emulator, stream: bool) -> None:
    emu.script(Script(text="ok"))
    kw: dict[str, Any] = {"api_key": KEY, "base_url": emu.base_url("xinference")}
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    with llmkit.Client(max_retries=0) as client:
        if stream:
            with client.stream("xinference/m", messages, tools=[WEATHER], max_tokens=64, **kw) as s:
                list(s)
        else:
            client.complete("xinference/m", messages, tools=[WEATHER], max_tokens=64, temperature=0.3, **kw)
    sent = emu.requests[-1]
    body = sent.json()
    assert sent.path.endswith("/v1/chat/completions")
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    config = {k: v for k, v in body.items() if k not in CHAT_FIELDS}
    assert set(config) <= set(get_type_hints(PytorchGenerateConfig)), set(config) - set(
        get_type_hints(PytorchGenerateConfig)
    )
    TypeAdapter(PytorchGenerateConfig).validate_python(config)
    # The body is one the client itself would send: chat() puts model, messages and tools at the
    # top and spreads generate_config beside them.
    model = _handle(emu)
    emu.script(Script(text="ok"))
    out = model.chat(messages=body["messages"], tools=body["tools"], generate_config=config)
    if stream:
        list(out)
    assert emu.requests[-1].json() == body
