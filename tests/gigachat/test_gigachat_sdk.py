"""The official GigaChat SDK (``gigachat`` on PyPI) as the reference, both ways over loopback:

* SDK -> emulator: the SDK's own OAuth exchange, chat with functions, stream and embeddings are
  answered by the emulator's GigaChat profile, and the SDK's models parse every answer;
* llmkit -> a handler that validates each request body with the SDK's ``Chat`` model (and its
  ``Messages``/``Function`` models) before the emulator answers it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

import llmkit
from llmkit.emulator import Emulator, Script, ScriptedCall, add_profile
from llmkit.emulator import gigachat as giga_emu
from llmkit.emulator.profiles import PROFILES, Profile
from llmkit.emulator.server import EmuRequest, Reply, json_reply
from llmkit.types import Message, Tool

gigachat = pytest.importorskip("gigachat")
models = pytest.importorskip("gigachat.models")

CHECKED = Profile("gigachat_sdkcheck", f"{__name__}:checked", base_path="/api/v1", auth_headers=())
WEATHER = Tool(
    "get_weather",
    "The weather in a city",
    {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "City"}},
        "required": ["city"],
    },
)
SEEN: list[Any] = []


def checked(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    """Parse the body with the SDK's request model; a body it rejects (or loses fields of) is a 400."""
    if req.path == "/api/v1/chat/completions":
        body = json.loads(req.body)
        try:
            parsed = models.Chat.model_validate(body)
        except Exception as exc:  # pydantic's ValidationError: the SDK would not have sent this
            return json_reply(400, {"status": 400, "message": f"SDK model rejects the body: {exc}"})
        again = parsed.model_dump(exclude_none=True, by_alias=True, mode="json")
        SEEN.append((body, again))
    return giga_emu.handle(req, emu, profile)


@pytest.fixture(scope="module", autouse=True)
def _checked_profile() -> Iterator[None]:
    add_profile(CHECKED)
    yield
    PROFILES.pop(CHECKED.name, None)


def _sdk(emu: Emulator) -> Any:
    return gigachat.GigaChat(
        credentials=giga_emu.DEFAULT_CREDENTIALS,
        base_url=emu.base_url("gigachat"),
        auth_url=giga_emu.auth_url(emu),
        scope="GIGACHAT_API_PERS",
        model="GigaChat",
        timeout=10,
    )


def test_the_sdk_talks_to_the_emulator(giga: Emulator) -> None:
    giga.script(
        Script(text="Hello."),
        Script(tool_calls=[ScriptedCall("fc", {"location": "Moscow"})]),
        Script(text="one two three"),
    )
    with _sdk(giga) as sdk:
        first = sdk.chat("Say hello")
        assert first.choices[0].message.content == "Hello."
        chat = models.Chat(
            messages=[models.Messages(role="user", content="weather?")],
            functions=[
                models.Function(
                    name="fc",
                    description="weather",
                    parameters={"type": "object", "properties": {"location": {"type": "string"}}},
                )
            ],
        )
        called = sdk.chat(chat)
        assert called.choices[0].finish_reason == "function_call"
        assert called.choices[0].message.function_call.arguments == {"location": "Moscow"}
        chunks = list(sdk.stream("Count"))
        assert "".join(c.choices[0].delta.content or "" for c in chunks) == "one two three"
        assert chunks[-1].usage is not None
        emb = sdk.embeddings(["First text", "Second text"])
        assert [d.index for d in emb.data] == [0, 1]
    oauth = [r for r in giga.requests if r.path == "/api/v2/oauth"]
    assert len(oauth) == 1 and oauth[0].headers["authorization"].startswith("Basic ")


def test_the_async_sdk_talks_to_the_emulator(giga: Emulator) -> None:
    giga.script(Script(text="async hello"))

    async def main() -> str:
        async with _sdk(giga) as sdk:
            done = await sdk.achat("hi")
            return str(done.choices[0].message.content)

    assert asyncio.run(main()) == "async hello"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_llmkit_bodies_parse_with_the_sdk_models(
    giga: Emulator, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    SEEN.clear()
    monkeypatch.setenv("GIGACHAT_BASE_URL", giga.base_url(CHECKED.name))
    monkeypatch.setenv("GIGACHAT_AUTH_URL", f"{giga.url}/{CHECKED.name}/api/v2/oauth")
    giga.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Omsk"})]), Script(text="warm"))
    kw: dict[str, Any] = {"tools": [WEATHER], "temperature": 0.5, "max_tokens": 50, "max_retries": 0}
    run = llmkit.complete if mode == "sync" else (lambda *a, **k: asyncio.run(llmkit.acomplete(*a, **k)))
    first = run("gigachat/GigaChat-Pro", [Message("system", "Be brief"), Message("user", "Omsk?")], **kw)
    history = [
        Message("system", "Be brief"),
        Message("user", "Omsk?"),
        first.message,
        Message("tool", json.dumps({"temp": 21}), tool_call_id=first.tool_calls[0].id),
    ]
    assert run("gigachat/GigaChat-Pro", history, tool_choice="get_weather", **kw).text == "warm"
    assert len(SEEN) == 2
    for body, again in SEEN:
        # Nothing llmkit sent is unknown to the SDK's models, or changed by them.
        assert again == body
    assert SEEN[1][0]["messages"][3] == {"role": "function", "name": "get_weather", "content": '{"temp": 21}'}


def test_a_structured_output_body_parses_with_the_sdk_model(
    giga: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    SEEN.clear()
    monkeypatch.setenv("GIGACHAT_BASE_URL", giga.base_url(CHECKED.name))
    monkeypatch.setenv("GIGACHAT_AUTH_URL", f"{giga.url}/{CHECKED.name}/api/v2/oauth")
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    done = llmkit.complete("gigachat/GigaChat-3-Ultra", "n?", response_format=schema, max_retries=0)
    assert json.loads(done.text) == {"n": 1}
    ((body, again),) = SEEN
    assert again == body
    assert isinstance(models.Chat.model_validate(body).response_format, models.JsonSchemaResponseFormat)
