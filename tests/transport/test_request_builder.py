"""The sync transport builds its own clients' requests itself (``sync_httpx.RequestBuilder``): each must be
the request ``httpx2.Client.build_request`` makes from the same call, header for header."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from llmkit._timeout import Timeout
from llmkit.framing.body import ACCEPT_ENCODING
from llmkit.transport.sync_http import SyncTransport
from llmkit.transport.sync_httpx import RequestBuilder
from llmkit.wire import HttpRequest

TIMEOUT = httpx2.Timeout(connect=5.0, read=60.0, write=60.0, pool=5.0).as_dict()
BODY = b'{"model":"m","messages":[{"role":"user","content":"hi"}]}'

CASES: list[tuple[str, str, dict[str, str], bytes | None]] = [
    ("POST", "http://127.0.0.1:8080/v1/chat/completions", {"authorization": "Bearer k"}, BODY),
    ("POST", "https://api.example.com/v1/x?alt=sse&key=1", {"content-type": "application/json"}, BODY),
    ("POST", "http://[::1]:9/p", {"User-Agent": "llmkit/1", "ACCEPT": "text/event-stream"}, BODY),
    ("POST", "http://127.0.0.1/p", {"accept-encoding": "identity", "connection": "close"}, BODY),
    ("POST", "http://127.0.0.1:1/p", {}, None),
    ("POST", "http://127.0.0.1:1/p", {"x-a": "1"}, b""),
    ("GET", "http://127.0.0.1:1/v1/models", {"authorization": "Bearer k"}, None),
    ("delete", "http://127.0.0.1:1/v1/files/f", {}, None),
    ("PUT", "http://user@127.0.0.1:1/p%20q/r", {"X-Trace-Id": "t", "x-b": ""}, b"\x00\x01"),
]


def _client() -> httpx2.Client:
    # As SyncTransport makes its own.
    return httpx2.Client(follow_redirects=False, headers={"Accept-Encoding": ACCEPT_ENCODING})


def _same(a: httpx2.Request, b: httpx2.Request) -> None:
    assert a.method == b.method
    assert a.url == b.url and str(a.url) == str(b.url) and a.url.raw_path == b.url.raw_path
    assert a.headers.raw == b.headers.raw
    assert b"".join(a.stream) == b"".join(b.stream)  # type: ignore[arg-type]
    assert a.extensions == b.extensions


@pytest.mark.parametrize(("method", "url", "headers", "body"), CASES)
def test_built_as_build_request_builds_it(
    method: str, url: str, headers: dict[str, str], body: bytes | None
) -> None:
    client = _client()
    builder = RequestBuilder(client.headers.raw)
    for _ in range(2):  # the second time from the parsed-URL cache
        built = builder.build(method, url, headers, body, TIMEOUT)
        assert built is not None
        ext = {"timeout": TIMEOUT}
        expected = client.build_request(method, url, headers=headers, content=body, extensions=ext)
        _same(built, expected)
    client.close()


@pytest.mark.parametrize(
    "headers",
    [{"Host": "elsewhere"}, {"content-length": "3"}, {"Transfer-Encoding": "chunked"}, {"Cookie": "a=b"}],
)
def test_headers_httpx2_reconciles_are_left_to_build_request(headers: dict[str, str]) -> None:
    builder = RequestBuilder(_client().headers.raw)
    assert builder.build("POST", "http://127.0.0.1:1/p", headers, BODY, TIMEOUT) is None


def test_the_transport_sends_what_build_request_would() -> None:
    seen: list[httpx2.Request] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, headers={"set-cookie": "s=1; Path=/"}, content=b"{}")

    transport = SyncTransport()
    mock = httpx2.Client(
        transport=httpx2.MockTransport(answer),
        follow_redirects=False,
        headers={"Accept-Encoding": ACCEPT_ENCODING},
    )
    transport._side()._client = mock  # our own client, answering from memory
    req = HttpRequest("POST", "http://127.0.0.1:1/v1/chat", {"authorization": "Bearer k"}, BODY)
    transport._direct_urls[req.url] = False  # the httpx2 route (a proxied request takes it)
    for _ in range(2):  # the first answer set a cookie: the second request carries it back
        attempt = HttpRequest(req.method, req.url, dict(req.headers), req.body)
        assert transport.send(attempt, False, Timeout()).body == b"{}"
    expected: Any = mock.build_request("POST", req.url, headers=req.headers, content=BODY)
    assert seen[1].headers.get("cookie") == "s=1"
    names = [k for k, _ in expected.headers.raw if k.lower() != b"cookie"]
    assert [k for k, _ in seen[0].headers.raw] == names
    assert seen[1].headers.raw == expected.headers.raw
    transport.close()
