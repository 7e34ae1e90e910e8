"""Review of secrets in errors with other echoes than the secrets slice's own tests.

Two echoes got through: a server quoting the key (or the whole ``Bearer <key>`` header) base64
encoded, in a message or as a JSON object key, and a redirect whose Location carries a token in
its path rather than its query (a pre-signed download path, a session id) that llmkit never saw.
Driven through the public API over loopback for complete, stream and embed, sync and async."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import _transport_servers as ts  # tests/hardening/conftest.py: on sys.path
import pytest
from _walk import assert_no_secret

import llmkit
from llmkit._redact import redact_text
from llmkit.errors import BadRequestError, ProviderError, RedirectError
from llmkit.operations import COMPLETE, ChatParams, prepare

KEY = "test-key-7Hq2Lm9Xp4Rv8Zt1Wc6Yb3"  # an obvious fake, no well-known shape
PATH_TOKEN = "tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0"  # never registered anywhere


def _b64(text: str, urlsafe: bool = False) -> str:
    enc = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return enc(text.encode()).decode()


ENCODED = {
    "key": _b64(KEY),
    "bearer": _b64(f"Bearer {KEY}"),
    "bearer-urlsafe-unpadded": _b64(f"Bearer {KEY}", urlsafe=True).rstrip("="),
    "basic": _b64(f"user:{KEY}"),
    "json": _b64(json.dumps({"authorization": f"Bearer {KEY}"})),
}


def serving(status: int, body: bytes, headers: dict[str, str]) -> Any:
    def handler(server: Any, sock: Any, f: Any) -> None:
        while server.read(f) is not None:
            ts.respond(sock, status, body, headers)

    return ts.Server(handler)


def call(mode: str, op: str, url: str) -> BaseException:
    kw: dict[str, Any] = {"api_key": KEY, "base_url": url, "max_retries": 0}
    try:
        if mode == "sync":
            with llmkit.Client(**kw) as c:
                if op == "complete":
                    c.complete(ts.MODEL, "hi")
                elif op == "stream":
                    with c.stream(ts.MODEL, "hi") as s:
                        list(s)
                else:
                    c.embed("openai/text-embedding-3-small", "hi")
        else:

            async def go() -> None:
                async with llmkit.AsyncClient(**kw) as c:
                    if op == "complete":
                        await c.complete(ts.MODEL, "hi")
                    elif op == "stream":
                        async with c.stream(ts.MODEL, "hi") as s:
                            [e async for e in s]
                    else:
                        await c.embed("openai/text-embedding-3-small", "hi")

            asyncio.run(go())
    except ProviderError as exc:
        return exc
    raise AssertionError("no error")


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("op", ["complete", "stream", "embed"])
@pytest.mark.parametrize("form", sorted(ENCODED))
def test_a_base64_echo_of_the_key_is_masked(mode: str, op: str, form: str) -> None:
    echoed = ENCODED[form]
    body = {"error": {"message": f"could not authorize {echoed}", "type": "invalid_request_error"}}
    body["error"][echoed] = {"again": echoed}  # as a JSON object key too
    with serving(400, json.dumps(body).encode(), {}) as server:
        exc = call(mode, op, server.url)
    assert isinstance(exc, BadRequestError)
    assert_no_secret(exc, KEY, echoed)
    assert "could not authorize ***" in str(exc)


def test_base64_scrubbing_leaves_other_base64_alone() -> None:
    llmkit._redact.register_secret(KEY)
    harmless = _b64("a perfectly ordinary sentence with no key in it")
    assert redact_text(f"data {harmless} end") == f"data {harmless} end"
    assert redact_text("/v1/chat/completions and abcdefghijklmnopqrstuvwxyz") == (
        "/v1/chat/completions and abcdefghijklmnopqrstuvwxyz"
    )


LOCATIONS = [
    f"https://files.example/download/{PATH_TOKEN}/result.json",
    f"https://files.example/s/{PATH_TOKEN}",
    f"https://files.example/s/{PATH_TOKEN};jsessionid={PATH_TOKEN}",
    f"/relative/{PATH_TOKEN}/x",
    f"https://files.example/a/{KEY}",
    f"https://files.example/a/{ENCODED['bearer']}",
]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("op", ["complete", "stream", "embed"])
@pytest.mark.parametrize("location", LOCATIONS, ids=range(len(LOCATIONS)))
def test_a_token_in_a_redirect_path_is_masked(mode: str, op: str, location: str) -> None:
    with serving(302, b"", {"Location": location}) as server:
        exc = call(mode, op, server.url)
    assert isinstance(exc, RedirectError)
    assert_no_secret(exc, KEY, PATH_TOKEN, ENCODED["bearer"])
    assert exc.location is not None and exc.location.startswith(location.split("/")[0])
    assert len(server.requests) == 1


def test_an_ordinary_redirect_path_stays_readable() -> None:
    with serving(301, b"", {"Location": "https://api.example/v2/chat/completions"}) as server:
        exc = call("sync", "complete", server.url)
    assert isinstance(exc, RedirectError)
    assert exc.location == "https://api.example/v2/chat/completions"


# ---------------------------------------------------------------- reprs of the objects a call holds


def test_reprs_of_a_prepared_call_hold_no_key_in_any_header() -> None:
    """A key passed in a header the library does not know by name (a gateway's own auth header,
    ``extra_headers={"X-Custom-Auth": key}``) was shown in the reprs of HttpRequest, CallContext,
    Resolved and the prepared call; a log line or traceback that prints one would leak it."""
    client = llmkit.Client(api_key=KEY)
    aws = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": KEY, "region": "us-east-1"}
    headers = {"X-Custom-Auth": KEY, "X-Gateway": f"token={KEY}", "X-Plain": "visible"}
    for model, opts in [
        ("openai/gpt-4o", {}),
        ("anthropic/claude-sonnet-4-5", {}),
        ("bedrock/m", aws),
    ]:
        params = ChatParams(model, "hi", api_key=KEY, extra_headers=headers, provider_options=opts)
        call = prepare(COMPLETE, client._settings, params)
        for obj in (call, call.request, call.resolved, call.resolved.ctx):
            text = repr(obj)
            assert KEY not in text, (type(obj).__name__, text[:300])
        assert "visible" in repr(call.request)
    async_client = llmkit.AsyncClient(api_key=KEY)
    assert KEY not in repr(client) and KEY not in repr(async_client)
