"""Cohere rerank through the public API over loopback, sync and async: the v2 body as sent,
ordering by the emulator's text scores, top_n, structured documents as key: value lines,
return_documents, search units, the error shape (401, 429, 5xx, 498), a malformed body."""

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
    BadRequestError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
)

DOCS = [
    "Carson City is the capital city of the American state of Nevada.",
    "The Commonwealth of the Northern Mariana Islands is a group of islands in the Pacific Ocean.",
    "Washington, D.C. is the capital of the United States.",
    "Capital punishment has existed in the United States since before it was a country.",
]
QUERY = "What is the capital of the United States?"


def kw(emu: Emulator, **extra: Any) -> dict[str, Any]:
    return {"api_key": CANARY_KEY, "base_url": emu.base_url("cohere"), "max_retries": 0, **extra}


def test_rerank_sync_body_and_order(emu: Emulator) -> None:
    out = llmkit.rerank("cohere/rerank-v3.5", QUERY, DOCS, top_n=2, max_tokens_per_doc=512, **kw(emu))
    req = emu.requests[-1]
    assert req.path == "/v2/rerank" and req.method == "POST"
    assert req.headers["authorization"] == f"Bearer {CANARY_KEY}"
    assert req.json() == {
        "model": "rerank-v3.5",
        "query": QUERY,
        "documents": DOCS,
        "top_n": 2,
        "max_tokens_per_doc": 512,
    }
    assert out.indices[0] == 2 and len(out.results) == 2
    assert out.results[0].relevance_score >= out.results[1].relevance_score
    assert out.results[0].document is None
    assert out.search_units == 1 and out.provider == "cohere" and out.model == "rerank-v3.5"
    assert isinstance(out.id, str) and out.raw["meta"]["api_version"]["version"] == "2"


def test_rerank_async_on_a_client(emu: Emulator) -> None:
    async def go() -> llmkit.Ranking:
        async with llmkit.AsyncClient(api_key=CANARY_KEY, base_url=emu.base_url("cohere")) as c:
            return await c.rerank("cohere/rerank-v3.5", QUERY, DOCS)

    out = asyncio.run(go())
    assert out.indices[0] == 2 and sorted(out.indices) == [0, 1, 2, 3]


def test_arerank_module_function(emu: Emulator) -> None:
    out = asyncio.run(llmkit.arerank("cohere/rerank-v3.5", "Nevada capital", DOCS, top_n=1, **kw(emu)))
    assert out.indices == [0]


def test_sync_client(emu: Emulator) -> None:
    with llmkit.Client(api_key=CANARY_KEY, base_url=emu.base_url("cohere")) as c:
        out = c.rerank("cohere/rerank-v3.5", "islands Pacific", DOCS, top_n=1, return_documents=True)
    assert out.indices == [1] and out.results[0].document == DOCS[1]


def test_structured_documents_sent_as_key_value_lines(emu: Emulator) -> None:
    docs = [
        {"title": "Invoice", "text": "send the March invoice"},
        {"title": "Login", "text": "password rejected"},
    ]
    out = llmkit.rerank("cohere/rerank-v3.5", "password", docs, return_documents=True, **kw(emu))
    assert emu.requests[-1].json()["documents"] == [
        "title: Invoice\ntext: send the March invoice",
        "title: Login\ntext: password rejected",
    ]
    assert out.results[0].document is docs[1]


def test_extra_body_and_client_name_header(emu: Emulator) -> None:
    llmkit.rerank(
        "cohere/rerank-v3.5", "q", ["q"], extra_body={"priority": 3}, client_name="llmkit-tests", **kw(emu)
    )
    req = emu.requests[-1]
    assert req.json()["priority"] == 3 and req.headers["x-client-name"] == "llmkit-tests"


def test_wrong_key_is_authentication_error_naming_the_env_var(emu: Emulator) -> None:
    with pytest.raises(AuthenticationError, match=r"invalid api token.*CO_API_KEY") as info:
        llmkit.rerank("cohere/rerank-v3.5", "q", DOCS, **kw(emu, api_key="wrong"))
    assert info.value.status_code == 401 and "wrong" not in str(info.value)


def test_missing_key_names_keyword_and_env(monkeypatch: pytest.MonkeyPatch, emu: Emulator) -> None:
    monkeypatch.delenv("CO_API_KEY", raising=False)
    monkeypatch.delenv("COHERE_API_KEY", raising=False)
    with pytest.raises(llmkit.ConfigurationError, match=r"api_key.*CO_API_KEY"):
        llmkit.rerank("cohere/rerank-v3.5", "q", DOCS, base_url=emu.base_url("cohere"))


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (429, RateLimitError),
        (500, ServerError),
        (503, ServerError),
        (498, BadRequestError),
        (400, BadRequestError),
    ],
)
def test_error_statuses(emu: Emulator, status: int, cls: type[Exception]) -> None:
    emu.script(Script(error=ScriptedError(status, "scripted failure", headers={"retry-after": "0"})))
    with pytest.raises(cls, match="scripted failure") as info:
        llmkit.rerank("cohere/rerank-v3.5", "q", DOCS, **kw(emu))
    assert info.value.status_code == status  # type: ignore[attr-defined]


def test_429_is_retried_then_succeeds(emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(429, "slow down", headers={"retry-after": "0"})))
    out = llmkit.rerank("cohere/rerank-v3.5", QUERY, DOCS, **kw(emu, max_retries=1))
    assert out.indices[0] == 2 and len(emu.requests) == 2


def test_emulator_refuses_a_bad_body(emu: Emulator) -> None:
    with pytest.raises(BadRequestError, match="unknown field"):
        llmkit.rerank("cohere/rerank-v3.5", "q", DOCS, extra_body={"bogus": 1}, **kw(emu))


@pytest.mark.parametrize(
    "body",
    [
        {"results": "none"},
        {"results": [{"index": 0, "relevance_score": "high"}]},
        {"results": [{"index": 0, "relevance_score": 0.5}], "meta": {"billed_units": {"search_units": -1}}},
        ["not", "an", "object"],
    ],
)
def test_drifted_bodies_are_decode_errors(emu: Emulator, body: Any) -> None:
    emu.script(Script(extra={"body": body}))
    with pytest.raises(ResponseDecodeError):
        llmkit.rerank("cohere/rerank-v3.5", "q", DOCS, **kw(emu))


def test_html_gateway_page_is_server_error(emu: Emulator) -> None:
    emu.script(Script(fault="html_error"))
    with pytest.raises(ServerError):
        llmkit.rerank("cohere/rerank-v3.5", "q", DOCS, **kw(emu))


def test_disconnect_is_typed(emu: Emulator) -> None:
    emu.script(Script(fault="disconnect"))
    with pytest.raises(llmkit.LLMKitError):
        llmkit.rerank("cohere/rerank-v3.5", "q", DOCS, **kw(emu))
