"""Review of proxy failures: a forward proxy answering 407 (Proxy Authentication Required) to a
plain-http request was a BadRequestError, as if the provider had refused the request's content;
it is an AuthenticationError (the credential that failed is the proxy's), not retried, and
neither the proxy password nor the API key is reachable from it (sync and async)."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import _transport_servers as ts  # tests/hardening/conftest.py: on sys.path
import pytest
from _walk import assert_no_secret

import llmkit
from llmkit.errors import AuthenticationError

KEY = "test-key-Zq8Lm2Xp4Rv8Zt1Wc6Yb9"
PROXY_PASSWORD = "proxy-pass-Qw3Er5Ty7Ui9Op1"


def proxy_407(server: Any, sock: Any, f: Any) -> None:
    while (req := server.read(f)) is not None:
        echo = {"error": "proxy authentication required", "got": req.headers}  # echoes everything
        ts.respond(sock, 407, json.dumps(echo).encode(), {"Proxy-Authenticate": 'Basic realm="corp"'})


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_407_from_the_proxy_is_an_authentication_error(mode: str) -> None:
    with ts.Server(proxy_407) as proxy:
        kw: dict[str, Any] = {
            "api_key": KEY,
            "base_url": "http://127.0.0.1:9/v1",  # never reached: the proxy answers
            "proxy": f"http://user:{PROXY_PASSWORD}@127.0.0.1:{proxy.port}",
        }
        with pytest.raises(AuthenticationError) as info:
            if mode == "sync":
                with llmkit.Client(**kw) as c:
                    c.complete(ts.MODEL, "hi")
            else:

                async def go() -> None:
                    async with llmkit.AsyncClient(**kw) as c:
                        await c.complete(ts.MODEL, "hi")

                asyncio.run(go())
    assert info.value.status_code == 407
    assert len(proxy.requests) == 1  # not retried
    basic = base64.b64encode(f"user:{PROXY_PASSWORD}".encode()).decode()
    assert_no_secret(info.value, KEY, PROXY_PASSWORD, basic)
