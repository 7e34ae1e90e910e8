"""One header rule (``llmkit._headers``): names compare case-insensitively, later layers win.

Over loopback, a raw-socket server records each request head as sent: a ``Content-Type``,
credential header or ``User-Agent`` a caller passes in another case is sent once, sync and async,
for the OpenAI, Anthropic and Gemini formats, and the credential llmkit resolved wins over a
caller's header of the same name (docs/security.md).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import llmkit
from llmkit._headers import lowered, merge, put, put_default, under

KEY = "sk-resolve-headers-test-0000000000"

BODIES: dict[str, dict[str, Any]] = {
    "openai": {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    },
    "anthropic": {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "m",
        "content": [{"type": "text", "text": "ok"}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 1, "output_tokens": 1},
    },
    "gemini": {
        "candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2},
    },
}
# provider -> (model, the header its credential goes in, that header's value)
CREDENTIAL = {
    "openai": ("openai/gpt-4o-mini", "authorization", f"Bearer {KEY}"),
    "anthropic": ("anthropic/claude-sonnet-4-5", "x-api-key", KEY),
    "gemini": ("gemini/gemini-2.5-flash", "x-goog-api-key", KEY),
}


from _resolve_recorder import HeadRecorder  # noqa: E402  (tests/structure/conftest.py puts it on sys.path)


def _call(mode: str, model: str, **kw: Any) -> None:
    if mode == "sync":
        with llmkit.Client() as client:
            client.complete(model, "hi", **kw)
        return

    async def main() -> None:
        async with llmkit.AsyncClient() as client:
            await client.complete(model, "hi", **kw)

    asyncio.run(main())


def _sent(provider: str, mode: str, extra_headers: dict[str, str]) -> list[tuple[str, str]]:
    server = HeadRecorder(BODIES[provider])
    try:
        model = CREDENTIAL[provider][0]
        _call(mode, model, api_key=KEY, base_url=server.url, extra_headers=extra_headers, max_retries=0)
    finally:
        server.close()
    assert len(server.heads) == 1
    return server.heads[0]


def _values(head: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in head if k.lower() == name]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("provider", sorted(CREDENTIAL))
def test_a_header_given_in_other_case_is_sent_once(provider: str, mode: str) -> None:
    _, credential, value = CREDENTIAL[provider]
    head = _sent(
        provider,
        mode,
        {
            "CONTENT-TYPE": "text/plain",
            credential.upper(): "the-callers-own",
            "User-Agent": "my-app/1.0",
            "X-Trace-Id": "t-1",
        },
    )
    # The dialect's body encoding is its own; the credential llmkit resolved wins; the caller's
    # User-Agent wins over llmkit's default and keeps the caller's spelling.
    assert _values(head, "content-type") == ["application/json"]
    assert _values(head, credential) == [value]
    assert _values(head, "user-agent") == ["my-app/1.0"]
    assert ("User-Agent", "my-app/1.0") in head
    assert ("X-Trace-Id", "t-1") in head
    names = [k.lower() for k, _ in head]
    assert len(names) == len(set(names)), head


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_client_header_and_extra_headers_in_other_cases_are_one(mode: str) -> None:
    server = HeadRecorder(BODIES["openai"])
    try:
        if mode == "sync":
            with llmkit.Client(headers={"x-team": "client"}) as c:
                c.complete(
                    "openai/gpt-4o-mini",
                    "hi",
                    api_key=KEY,
                    base_url=server.url,
                    extra_headers={"X-Team": "call"},
                )
        else:

            async def main() -> None:
                async with llmkit.AsyncClient(headers={"x-team": "client"}) as c:
                    await c.complete(
                        "openai/gpt-4o-mini",
                        "hi",
                        api_key=KEY,
                        base_url=server.url,
                        extra_headers={"X-Team": "call"},
                    )

            asyncio.run(main())
    finally:
        server.close()
    assert _values(server.heads[0], "x-team") == ["call"]


def test_merge_later_layers_win_in_any_case_with_their_spelling() -> None:
    merged = merge(
        {"user-agent": "llmkit"}, None, {"Content-Type": "a"}, {"USER-AGENT": "mine", "content-type": "b"}
    )
    assert merged == {"USER-AGENT": "mine", "content-type": "b"}


def test_put_replaces_and_put_default_keeps() -> None:
    headers = {"Authorization": "Bearer user", "accept": "x"}
    put(headers, "authorization", "Bearer llmkit")
    assert headers == {"accept": "x", "authorization": "Bearer llmkit"}
    put_default(headers, "ACCEPT", "y")
    put_default(headers, "x-goog-user-project", "p")
    assert headers == {"accept": "x", "authorization": "Bearer llmkit", "x-goog-user-project": "p"}


def test_under_adds_only_names_the_request_lacks() -> None:
    request = {"content-type": "application/json"}
    under(request, lowered({"Content-Type": "text/plain", "User-Agent": "u"}))
    assert request == {"content-type": "application/json", "User-Agent": "u"}
