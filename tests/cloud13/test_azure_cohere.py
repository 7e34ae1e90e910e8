"""Cohere on Azure AI Foundry (``azure_ai_cohere``) over loopback through the public API, sync and
async: chat (with a tool), a stream (cut midway keeps what arrived), embed and rerank; the cohere
SDK's ClientV2 aimed at the same endpoint (as Azure's docs set it up) sends the same bodies."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tests.cloud13._helpers import CANARY_KEY, run

import llmkit
from llmkit.emulator import Emulator, Script, ScriptedCall, ScriptedError
from llmkit.errors import AuthenticationError, ConfigurationError, RateLimitError, StreamInterruptedError

cohere = pytest.importorskip("cohere")

DOCS = ["llamas live in Peru", "Paris is in France"]


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def kw(emu: Emulator, **extra: Any) -> dict[str, Any]:
    return {"api_key": CANARY_KEY, "endpoint": emu.base_url("azure_ai_cohere"), "max_retries": 0, **extra}


def test_chat_embed_rerank(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="Hello from Azure."))
    c = run(mode, "complete", "azure_ai_cohere/command-a-03-2025", "Hi", **kw(emu))
    assert c.text == "Hello from Azure." and emu.requests[-1].path == "/v2/chat"
    assert emu.requests[-1].headers["authorization"] == f"Bearer {CANARY_KEY}"
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Paris"})]))
    tool = {"name": "get_weather", "description": "Weather", "parameters": {"type": "object"}}
    c = run(mode, "complete", "azure_ai_cohere/command-a-03-2025", "Weather?", tools=[tool], **kw(emu))
    assert c.tool_calls[0].arguments == {"city": "Paris"}
    e = run(mode, "embed", "azure_ai_cohere/embed-v4.0", ["a", "b"], input_type="query", **kw(emu))
    assert len(e.vectors) == 2 and emu.requests[-1].json()["input_type"] == "search_query"
    r = run(mode, "rerank", "azure_ai_cohere/rerank-v3.5", "llamas Peru", DOCS, top_n=1, **kw(emu))
    assert r.indices == [0] and emu.requests[-1].path == "/v2/rerank"


def test_stream_cut_keeps_what_arrived(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="one two three four five six", fault="cut", after=3))
    got: list[str] = []
    with pytest.raises(StreamInterruptedError) as info:
        if mode == "sync":
            with (
                llmkit.Client() as client,
                client.stream("azure_ai_cohere/command-a-03-2025", "Hi", **kw(emu)) as s,
            ):
                got.extend(e.text for e in s if hasattr(e, "text"))
        else:

            async def go() -> None:
                async with llmkit.AsyncClient() as client:
                    async with client.stream("azure_ai_cohere/command-a-03-2025", "Hi", **kw(emu)) as s:
                        async for e in s:
                            if hasattr(e, "text"):
                                got.append(e.text)

            asyncio.run(go())
    assert info.value.partial is not None and info.value.partial.text == "".join(got)


def test_errors(mode: str, emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(429, "rate limited")))
    with pytest.raises(RateLimitError):
        run(mode, "rerank", "azure_ai_cohere/rerank-v3.5", "q", DOCS, **kw(emu))
    with pytest.raises(AuthenticationError):
        run(mode, "rerank", "azure_ai_cohere/rerank-v3.5", "q", DOCS, **kw(emu, api_key="wrong-key"))


def test_endpoint_is_required_and_checked(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_AI_COHERE_ENDPOINT", raising=False)
    with pytest.raises(ConfigurationError, match="AZURE_AI_COHERE_ENDPOINT"):
        llmkit.rerank("azure_ai_cohere/rerank-v3.5", "q", DOCS, api_key=CANARY_KEY)
    with pytest.raises(ConfigurationError, match="endpoint"):
        llmkit.rerank(
            "azure_ai_cohere/rerank-v3.5", "q", DOCS, api_key=CANARY_KEY, endpoint="https://x.com/p?q"
        )
    assert emu.requests == []


def test_same_bodies_as_the_cohere_sdk(emu: Emulator) -> None:
    sdk = cohere.ClientV2(api_key=CANARY_KEY, base_url=emu.base_url("azure_ai_cohere"), max_retries=0)
    sdk.rerank(model="rerank-v3.5", query="llamas", documents=DOCS, top_n=1)
    llmkit.rerank("azure_ai_cohere/rerank-v3.5", "llamas", DOCS, top_n=1, **kw(emu))
    theirs, ours = emu.requests[-2], emu.requests[-1]
    assert theirs.path == ours.path == "/v2/rerank" and theirs.json() == ours.json()
    sdk.embed(model="embed-v4.0", texts=["a"], input_type="search_document", embedding_types=["float"])
    llmkit.embed("azure_ai_cohere/embed-v4.0", ["a"], input_type="document", **kw(emu))
    theirs, ours = emu.requests[-2], emu.requests[-1]
    assert theirs.path == ours.path == "/v2/embed" and theirs.json() == ours.json()
