"""End to end over loopback HTTP: the public API → llmkit's Gemini dialect → the emulator."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

import llmkit
from llmkit.dialects import register_dialect
from llmkit.emulator import Emulator, Script, ScriptedCall, ScriptedError, add_profile, google_oauth
from llmkit.emulator import gemini as emu_gemini
from llmkit.errors import (
    AuthenticationError,
    ContentFilteredError,
    NotFoundError,
    OverloadedError,
    RateLimitError,
    StreamInterruptedError,
)
from llmkit.providers import get_spec, register
from llmkit.providers.google import SPECS
from llmkit.types import FinishReason, Message, TextDelta, ToolCallDelta

rsa = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.rsa")
serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")

# Until the lead registers them: the dialect, the two specs and the emulator profiles.
register_dialect("gemini", "llmkit.dialects.gemini")
for _spec in SPECS:
    try:
        get_spec(_spec.name)
    except llmkit.ConfigurationError:
        register(_spec)
for _profile in (emu_gemini.AI_STUDIO, emu_gemini.VERTEX, emu_gemini.VERTEX_MAAS, google_oauth.PROFILE):
    add_profile(_profile)

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"  # the session emulator's key (tests/conftest.py)
MODEL = "gemini/gemini-2.5-flash"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


@pytest.fixture
def ai(emu: Emulator) -> dict[str, Any]:
    return {"base_url": emu.base_url("gemini"), "api_key": CANARY_KEY, "max_retries": 0}


@pytest.fixture(scope="module")
def service_account(emulator: Emulator) -> dict[str, Any]:
    return google_oauth.new_service_account(emulator, "loopback")


@pytest.fixture
def vertex(emu: Emulator, service_account: dict[str, Any]) -> Iterator[dict[str, Any]]:
    google_oauth.set_token_lifetime(emu, 3599)
    yield {
        # The API root every Vertex AI spec shares; the dialect adds /publishers/google/models/….
        "base_url": f"{emu.url}/vertex_ai/v1/projects/test-proj/locations/us-central1",
        "project": "test-proj",
        "credentials": service_account,
        "max_retries": 0,
    }


def _paths(emu: Emulator) -> list[str]:
    return [r.full_path for r in emu.requests]


def test_complete_ai_studio(emu: Emulator, ai: dict[str, Any]) -> None:
    emu.script(Script(text="Hello from Gemini", input_tokens=12, output_tokens=3, cached_tokens=2))
    c = llmkit.complete(
        MODEL, [{"role": "system", "content": "Be kind"}, {"role": "user", "content": "hi"}], **ai
    )
    assert c.text == "Hello from Gemini"
    assert c.finish_reason is FinishReason.STOP
    assert (c.usage.input_tokens, c.usage.output_tokens, c.usage.cached_input_tokens) == (12, 3, 2)
    req = emu.requests[-1]
    assert req.full_path == "/gemini/v1beta/models/gemini-2.5-flash:generateContent"
    assert req.headers["x-goog-api-key"] == CANARY_KEY
    assert "key" not in req.query
    assert req.json()["systemInstruction"] == {"parts": [{"text": "Be kind"}]}


def test_bad_key_is_authentication_error(emu: Emulator, ai: dict[str, Any]) -> None:
    with pytest.raises(AuthenticationError) as info:
        llmkit.complete(MODEL, "hi", **{**ai, "api_key": "AIzaWRONGWRONGWRONGWRONGWRONG"})
    assert info.value.error_code == "API_KEY_INVALID"
    assert "AIzaWRONG" not in str(info.value)


def test_stream_ai_studio(emu: Emulator, ai: dict[str, Any]) -> None:
    emu.script(Script(text="one two three four", input_tokens=5, output_tokens=4))
    with llmkit.stream(MODEL, "count", **ai) as s:
        deltas = [e.text for e in s if isinstance(e, TextDelta)]
        c = s.completion
    assert "".join(deltas) == "one two three four"
    assert len(deltas) > 1
    assert c.text == "one two three four"
    assert c.finish_reason is FinishReason.STOP
    assert c.usage.input_tokens == 5
    assert emu.requests[-1].query == {"alt": "sse"}


def test_parallel_tool_calls_round_trip(emu: Emulator, ai: dict[str, Any]) -> None:
    emu.script(
        Script(
            tool_calls=[
                ScriptedCall("get_weather", {"city": "Paris"}),
                ScriptedCall("get_weather", {"city": "Rome"}),
            ],
            extra={"thought_signature": "c2lnLWZvci1jYWxscw=="},
        ),
        Script(text="Paris 21C, Rome 25C"),
    )
    first = llmkit.complete(MODEL, "weather in Paris and Rome?", tools=[WEATHER], **ai)
    assert first.finish_reason is FinishReason.TOOL_CALLS
    assert [c.arguments for c in first.tool_calls] == [{"city": "Paris"}, {"city": "Rome"}]
    history: list[Any] = [Message("user", "weather in Paris and Rome?"), first.message]
    history += [
        Message("tool", json.dumps({"temp_c": t}), tool_call_id=c.id)
        for c, t in zip(first.tool_calls, (21, 25), strict=True)
    ]
    second = llmkit.complete(MODEL, history, tools=[WEATHER], **ai)
    assert second.text == "Paris 21C, Rome 25C"
    sent = emu.requests[-1].json()["contents"]
    assert sent[1]["parts"][0]["thoughtSignature"] == "c2lnLWZvci1jYWxscw=="
    assert [p["functionResponse"]["response"] for p in sent[2]["parts"]] == [{"temp_c": 21}, {"temp_c": 25}]


def test_streamed_tool_calls(emu: Emulator, ai: dict[str, Any]) -> None:
    emu.script(
        Script(
            tool_calls=[ScriptedCall("get_weather", {"city": "Oslo"})], extra={"thought_signature": "U0lH"}
        )
    )
    with llmkit.stream(MODEL, "weather in Oslo?", tools=[WEATHER], tool_choice="required", **ai) as s:
        events = list(s)
        c = s.completion
    assert any(isinstance(e, ToolCallDelta) for e in events)
    assert c.finish_reason is FinishReason.TOOL_CALLS
    assert c.tool_calls[0].arguments == {"city": "Oslo"}
    assert emu.requests[-1].json()["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}
    # Replaying the streamed turn puts the signature back on the function call.
    history = [
        Message("user", "weather in Oslo?"),
        c.message,
        Message("tool", "cold", tool_call_id=c.tool_calls[0].id),
    ]
    emu.script(Script(text="Cold."))
    llmkit.complete(MODEL, history, tools=[WEATHER], **ai)
    assert emu.requests[-1].json()["contents"][1]["parts"][-1]["thoughtSignature"] == "U0lH"


def test_structured_output(emu: Emulator, ai: dict[str, Any]) -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
    }
    c = llmkit.complete(
        MODEL,
        "who?",
        response_format={"type": "json_schema", "json_schema": {"name": "p", "schema": schema}},
        **ai,
    )
    assert c.parsed == {"name": "example", "age": 1}
    cfg = emu.requests[-1].json()["generationConfig"]
    assert cfg["responseMimeType"] == "application/json"
    assert cfg["responseSchema"]["properties"]["age"] == {"type": "INTEGER"}


def test_safety_block_and_filtered_finish(emu: Emulator, ai: dict[str, Any]) -> None:
    emu.script(Script(extra={"block_reason": "SAFETY"}))
    with pytest.raises(ContentFilteredError) as info:
        llmkit.complete(
            MODEL, "something bad", **ai, safety_settings={"HARM_CATEGORY_HARASSMENT": "BLOCK_LOW_AND_ABOVE"}
        )
    assert info.value.error_type == "SAFETY"
    assert emu.requests[-1].json()["safetySettings"] == [
        {"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_LOW_AND_ABOVE"}
    ]
    emu.script(Script(text="partial", finish_reason="content_filter"))
    c = llmkit.complete(MODEL, "x", **ai)
    assert (c.finish_reason, c.raw_finish_reason, c.text) == (FinishReason.CONTENT_FILTER, "SAFETY", "")


def test_thinking(emu: Emulator, ai: dict[str, Any]) -> None:
    emu.script(Script(text="42", reasoning="Deep thought about it.", reasoning_tokens=9))
    c = llmkit.complete(MODEL, "meaning of life?", thinking_budget=512, include_thoughts=True, **ai)
    assert c.reasoning == "Deep thought about it."
    assert c.text == "42"
    assert c.usage.reasoning_tokens == 9
    assert emu.requests[-1].json()["generationConfig"]["thinkingConfig"] == {
        "thinkingBudget": 512,
        "includeThoughts": True,
    }
    emu.script(Script(text="42", reasoning="Streamed thinking here."))
    with llmkit.stream(MODEL, "again?", include_thoughts=True, **ai) as s:
        streamed = s.completion
    assert streamed.reasoning == "Streamed thinking here."


def test_embed_and_count_tokens(emu: Emulator, ai: dict[str, Any]) -> None:
    one = llmkit.embed(
        "gemini/gemini-embedding-001", "hello", dimensions=4, task_type="RETRIEVAL_QUERY", **ai
    )
    assert len(one.vectors) == 1 and len(one.vectors[0]) == 4
    many = llmkit.embed("gemini/gemini-embedding-001", ["a", "b", "c"], **ai)
    assert len(many.vectors) == 3
    assert emu.requests[-1].full_path.endswith("/models/gemini-embedding-001:batchEmbedContents")
    messages = [
        {"role": "system", "content": "Be brief"},
        {"role": "user", "content": "How many tokens is this?"},
    ]
    counted = llmkit.count_tokens(
        MODEL, messages, tools=[WEATHER], base_url=ai["base_url"], api_key=CANARY_KEY
    )
    assert counted.exact
    c = llmkit.complete(MODEL, messages, tools=[WEATHER], tool_choice="none", **ai)
    assert counted.input_tokens == c.usage.input_tokens > 0


def test_errors_map(emu: Emulator, ai: dict[str, Any]) -> None:
    emu.script(Script(error=ScriptedError(429, "Quota exceeded", headers={"x-retry-delay": "7"})))
    with pytest.raises(RateLimitError) as info:
        llmkit.complete(MODEL, "x", **ai)
    assert info.value.retry_after == 7.0
    emu.script(Script(error=ScriptedError(404, "models/nope is not found")))
    with pytest.raises(NotFoundError):
        llmkit.complete(MODEL, "x", **ai)


def test_async_complete_and_stream(emu: Emulator, ai: dict[str, Any]) -> None:
    async def main() -> tuple[str, str]:
        client = llmkit.AsyncClient()
        try:
            emu.script(Script(text="async hello"))
            c = await client.complete(MODEL, "hi", **ai)
            emu.script(Script(text="async stream words"))
            s = await client.stream(MODEL, "hi", **ai)
            text = "".join([e.text async for e in s if isinstance(e, TextDelta)])
            return c.text, text
        finally:
            await client.aclose()

    assert asyncio.run(main()) == ("async hello", "async stream words")


# ---------------------------------------------------------------- Vertex AI with Google OAuth


def test_vertex_service_account_flow(emu: Emulator, vertex: dict[str, Any]) -> None:
    emu.script(Script(text="from vertex"), Script(text="again"))
    c = llmkit.complete("vertex_ai/gemini-2.5-pro", "hi", **vertex)
    assert c.text == "from vertex"
    again = llmkit.complete("vertex_ai/gemini-2.5-pro", "hi", **vertex)
    assert again.text == "again"
    paths = _paths(emu)
    assert paths.count("/google_oauth/token") <= 1  # cached across calls (0 if an earlier test fetched it)
    gen = [r for r in emu.requests if r.full_path.endswith(":generateContent")]
    assert gen[0].full_path == (
        "/vertex_ai/v1/projects/test-proj/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent"
    )
    assert gen[0].headers["authorization"].startswith("Bearer ya29.emu-")


def test_vertex_token_refresh(emu: Emulator, vertex: dict[str, Any], service_account: dict[str, Any]) -> None:
    from llmkit.auth.google import _SHARED

    _SHARED.clear()  # a fresh token cache
    google_oauth.set_token_lifetime(emu, 2)  # shorter than the refresh margin: every call refreshes
    emu.script(Script(text="a"), Script(text="b"))
    llmkit.complete("vertex_ai/gemini-2.5-pro", "hi", **vertex)
    llmkit.complete("vertex_ai/gemini-2.5-pro", "hi", **vertex)
    token_calls = [r for r in emu.requests if r.full_path == "/google_oauth/token"]
    assert len(token_calls) == 2
    tokens = {r.headers["authorization"] for r in emu.requests if r.profile == "vertex_ai"}
    assert len(tokens) == 2
    # An expired token is refused by the API.
    time.sleep(2.1)
    stale = next(iter(tokens))[len("Bearer ") :]
    with pytest.raises(AuthenticationError):
        llmkit.complete(
            "vertex_ai/gemini-2.5-pro",
            "hi",
            access_token=stale,
            **{k: v for k, v in vertex.items() if k != "credentials"},
        )
    _SHARED.clear()  # a fresh token cache


def test_vertex_stream_count_embed(emu: Emulator, vertex: dict[str, Any]) -> None:
    emu.script(Script(text="streamed from vertex"))
    with llmkit.stream("vertex_ai/gemini-2.5-pro", "hi", **vertex) as s:
        assert s.completion.text == "streamed from vertex"
    counted = llmkit.count_tokens("vertex_ai/gemini-2.5-pro", "count me", base_url=vertex["base_url"],
                                  project="test-proj", credentials=vertex["credentials"])  # fmt: skip
    assert counted.input_tokens == 2
    emb = llmkit.embed("vertex_ai/gemini-embedding-001", ["x", "y"], **vertex)
    assert len(emb.vectors) == 2


def test_vertex_rejects_foreign_signature(
    emu: Emulator, vertex: dict[str, Any], service_account: dict[str, Any]
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = dict(service_account)
    forged["private_key"] = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    forged["private_key_id"] = "forged"
    with pytest.raises(AuthenticationError, match="Invalid JWT Signature"):
        llmkit.complete("vertex_ai/gemini-2.5-pro", "hi", **{**vertex, "credentials": forged})


def test_vertex_maas_llama(emu: Emulator) -> None:
    kw: dict[str, Any] = {
        "base_url": f"{emu.url}/vertex_ai_maas/v1/projects/test-proj/locations/us-central1",
        "project": "test-proj",
        "access_token": CANARY_KEY,
        "max_retries": 0,
    }
    emu.script(Script(text="llama here"), Script(text="streamed llama"))
    c = llmkit.complete("vertex_ai_maas/meta/llama-3.3-70b-instruct-maas", "hi", **kw)
    assert c.text == "llama here"
    req = emu.requests[-1]
    assert (
        req.full_path
        == "/vertex_ai_maas/v1/projects/test-proj/locations/us-central1/endpoints/openapi/chat/completions"
    )
    assert req.json()["model"] == "meta/llama-3.3-70b-instruct-maas"
    assert req.headers["authorization"] == f"Bearer {CANARY_KEY}"
    with llmkit.stream("vertex_ai_maas/deepseek-ai/deepseek-v3.1-maas", "hi", **kw) as s:
        assert s.completion.text == "streamed llama"


def test_stream_faults(emu: Emulator, ai: dict[str, Any]) -> None:
    emu.script(Script(text="one two three four five", fault="no_terminator", after=2))
    with pytest.raises(StreamInterruptedError) as info, llmkit.stream(MODEL, "x", **ai) as s:
        list(s)
    assert info.value.partial is not None
    assert info.value.partial.text == "one two"
    emu.script(Script(text="a b c d", fault="stream_error", after=1, error=ScriptedError(503, "overloaded")))
    with pytest.raises(OverloadedError), llmkit.stream(MODEL, "x", **ai) as s:
        list(s)


def test_overloaded_is_retried(emu: Emulator, ai: dict[str, Any]) -> None:
    emu.script(Script(error=ScriptedError(503, "The model is overloaded.")), Script(text="second time lucky"))
    c = llmkit.complete(MODEL, "x", **{**ai, "max_retries": 1})
    assert c.text == "second time lucky"
    assert len([r for r in emu.requests if r.profile == "gemini"]) == 2


def test_async_vertex_with_refresh(
    emu: Emulator, vertex: dict[str, Any], service_account: dict[str, Any]
) -> None:
    from llmkit.auth.google import _SHARED

    _SHARED.clear()  # a fresh token cache
    google_oauth.set_token_lifetime(emu, 2)

    async def main() -> list[str]:
        client = llmkit.AsyncClient()
        try:
            emu.script(Script(text="one"), Script(text="two"))
            first = await client.complete("vertex_ai/gemini-2.5-pro", "hi", **vertex)
            second = await client.complete("vertex_ai/gemini-2.5-pro", "hi", **vertex)
            return [first.text, second.text]
        finally:
            await client.aclose()

    assert asyncio.run(main()) == ["one", "two"]
    assert len([r for r in emu.requests if r.full_path == "/google_oauth/token"]) == 2
    _SHARED.clear()  # a fresh token cache


@pytest.mark.parametrize(
    ("model", "version", "publisher"),
    [
        ("vertex_ai_mistral/mistral-large-2411", "v1", "mistralai"),
        ("vertex_ai_ai21/jamba-1.5-large@001", "v1beta1", "ai21"),
    ],
)
def test_vertex_raw_predict_partners(emu: Emulator, model: str, version: str, publisher: str) -> None:
    base = f"{emu.url}/vertex_ai/{version}/projects/test-proj/locations/us-central1"
    emu.script(Script(text=f"hello from {publisher}"))
    c = llmkit.complete(
        model, "hi", base_url=base, project="test-proj", access_token=CANARY_KEY, max_retries=0
    )
    assert c.text == f"hello from {publisher}"
    sent = emu.requests[-1]
    name = model.split("/", 1)[1]
    segment = quote(name, safe="")
    assert (
        sent.full_path
        == f"/vertex_ai/{base.split('/vertex_ai/')[1]}/publishers/{publisher}/models/{segment}:rawPredict"
    )
    assert sent.json()["model"] == name.split("@")[0]
