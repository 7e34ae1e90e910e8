"""The sync transport sends its own clients' requests past ``httpx2.Client.send``
(``sync_httpx._send_direct``): what comes back must be what ``send(request, stream=True)`` gives,
response for response, error for error, cookie for cookie, log line for log line."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from llmkit._timeout import Timeout
from llmkit.errors import ConfigurationError
from llmkit.framing.body import ACCEPT_ENCODING
from llmkit.transport import sync_httpx
from llmkit.transport.sync_http import SyncTransport
from llmkit.transport.sync_httpx import _send_direct
from llmkit.wire import HttpRequest

BODY = b'{"model":"m","messages":[{"role":"user","content":"hi"}]}'
Handler = Callable[[httpx2.Request], httpx2.Response]


def _raise(exc: type[Exception]) -> Handler:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise exc("boom")

    return handler


# (id, handler): ordinary answers, hostile ones (redirects, cookies, odd statuses and headers,
# bodies that are not what they claim) and failures raised from below the client.
ANSWERS: list[tuple[str, Handler]] = [
    ("ok", lambda r: httpx2.Response(200, json={"ok": True})),
    ("empty", lambda r: httpx2.Response(204)),
    ("error", lambda r: httpx2.Response(500, content=b"oops", headers={"x-request-id": "r1"})),
    ("redirect", lambda r: httpx2.Response(302, headers={"location": "http://elsewhere.test/x"})),
    ("redirect-bad", lambda r: httpx2.Response(307, headers={"location": "http://[bad"})),
    ("redirect-rel", lambda r: httpx2.Response(301, headers={"location": "/other?q=1"})),
    ("redirect-ftp", lambda r: httpx2.Response(308, headers={"location": "ftp://x/y"})),
    ("redirect-port", lambda r: httpx2.Response(303, headers={"location": "http://a:99999/"})),
    ("redirect-empty", lambda r: httpx2.Response(302, headers={"location": ""})),
    ("redirect-ctl", lambda r: httpx2.Response(302, headers={"location": "http://a/\x7f b"})),
    ("cookie", lambda r: httpx2.Response(200, headers={"set-cookie": "s=1; Path=/"}, content=b"{}")),
    (
        "cookies",
        lambda r: httpx2.Response(
            200, headers=[("Set-Cookie", "a=1"), ("set-cookie", "b=2; Domain=other.test")], content=b"x"
        ),
    ),
    ("cookie-bad", lambda r: httpx2.Response(200, headers={"set-cookie": ";;=;"}, content=b"")),
    ("gzip-claimed", lambda r: httpx2.Response(200, headers={"content-encoding": "gzip"}, content=b"xx")),
    ("chunks", lambda r: httpx2.Response(200, content=iter([b"a", b"", b"bc"]))),
    ("dup-headers", lambda r: httpx2.Response(200, headers=[("X-A", "1"), ("x-a", "2")], content=b"z")),
    ("teapot", lambda r: httpx2.Response(418, text="\u00e9\u00e8")),
    ("connect", _raise(httpx2.ConnectError)),
    ("read-timeout", _raise(httpx2.ReadTimeout)),
    ("remote-protocol", _raise(httpx2.RemoteProtocolError)),
    ("write", _raise(httpx2.WriteError)),
]


def _client(transport: httpx2.BaseTransport) -> httpx2.Client:
    # As SyncTransport makes its own.
    return httpx2.Client(
        transport=transport, follow_redirects=False, headers={"Accept-Encoding": ACCEPT_ENCODING}
    )


def _request(client: httpx2.Client) -> httpx2.Request:
    ext = {"timeout": httpx2.Timeout(5.0).as_dict()}
    return client.build_request("POST", "http://127.0.0.1:1/v1/chat", content=BODY, extensions=ext)


def _outcome(fn: Callable[[], httpx2.Response], client: httpx2.Client) -> tuple[Any, ...]:
    try:
        r = fn()
    except httpx2.HTTPError as exc:
        request = exc.request if isinstance(exc, httpx2.RequestError) else None
        return (
            "error",
            type(exc),
            str(exc),
            request is not None and request.url == "http://127.0.0.1:1/v1/chat",
        )
    body = b"".join(r.stream)  # type: ignore[arg-type]
    r.close()
    jar = sorted((c.name, c.value, c.domain, c.path) for c in client.cookies.jar)
    return (r.status_code, r.headers.raw, r.http_version, r.reason_phrase, body, r.request.url, jar)


@pytest.mark.parametrize("handler", [h for _, h in ANSWERS], ids=[name for name, _ in ANSWERS])
def test_direct_send_gives_what_send_gives(handler: Handler) -> None:
    via_send, direct = _client(httpx2.MockTransport(handler)), _client(httpx2.MockTransport(handler))
    transport = httpx2.MockTransport(handler)
    for _ in range(2):  # a second time with whatever the first put in the jar
        expected = _outcome(lambda: via_send.send(_request(via_send), stream=True), via_send)
        got = _outcome(lambda: _send_direct(direct, transport, _request(direct)), direct)
        assert got == expected


def test_direct_send_logs_as_send_logs(caplog: pytest.LogCaptureFixture) -> None:
    handler = ANSWERS[0][1]
    via_send, direct = _client(httpx2.MockTransport(handler)), _client(httpx2.MockTransport(handler))
    with caplog.at_level(logging.INFO, logger="httpx2"):
        via_send.send(_request(via_send), stream=True).close()
        _send_direct(direct, httpx2.MockTransport(handler), _request(direct)).close()
    lines = [(r.name, r.levelno, r.getMessage()) for r in caplog.records if r.name == "httpx2"]
    assert len(lines) == 2 and lines[0] == lines[1]


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    used: list[str] = []
    real_direct, real_send = sync_httpx._send_direct, httpx2.Client.send

    def direct(*args: Any) -> httpx2.Response:
        used.append("direct")
        return real_direct(*args)

    def send(self: httpx2.Client, *args: Any, **kwargs: Any) -> httpx2.Response:
        used.append("send")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(sync_httpx, "_send_direct", direct)
    monkeypatch.setattr(httpx2.Client, "send", send)
    return used


def _answering(transport: SyncTransport, handler: Handler) -> None:
    """Points the transport's own client (and its registration) at an in-memory answer."""
    mock = httpx2.MockTransport(handler)
    client = _client(mock)
    side = transport._side()
    side._client = client
    side._direct[id(client)] = (client, mock)  # type: ignore[assignment]


def test_own_clients_go_direct_and_the_rest_through_send(monkeypatch: pytest.MonkeyPatch) -> None:
    used = _spy(monkeypatch)
    handler = ANSWERS[0][1]
    own = SyncTransport()
    _answering(own, handler)
    req = HttpRequest("POST", "http://127.0.0.1:1/v1/chat", {"authorization": "Bearer k"}, BODY)
    own._direct_urls[req.url] = False  # the httpx2 route (a proxied request takes it)
    assert own.send(req, False, Timeout()).body == b'{"ok":true}'
    # user:password@ in the URL: send turns it into basic auth, so send it is.
    with_user = HttpRequest("POST", "http://u:p@127.0.0.1:1/v1/chat", {}, BODY)
    assert own.send(with_user, False, Timeout()).status == 200
    assert used == ["direct", "send"]
    used.clear()
    # A caller's own client: its hooks, auth and mounts are its own, so always through send.
    theirs = SyncTransport(http_client=_client(httpx2.MockTransport(handler)))
    assert theirs.send(req, False, Timeout()).status == 200
    assert used == ["send"]
    # A client swapped in whose id happens to be registered for another object never goes direct.
    stranger = _client(httpx2.MockTransport(handler))
    own._side()._direct[id(stranger)] = (object(), httpx2.MockTransport(handler))  # type: ignore[assignment]
    own._side()._client = stranger
    used.clear()
    assert own.send(req, False, Timeout()).status == 200
    assert used == ["send"]
    own.close()
    theirs.close()


def test_a_closed_http_client_is_a_typed_error() -> None:
    """httpx2 raises a bare RuntimeError for a closed client; the transport names it."""
    theirs = httpx2.Client()
    theirs.close()
    req = HttpRequest("POST", "http://127.0.0.1:9/v1/chat/completions", {"a": "b"}, b"{}")
    with pytest.raises(ConfigurationError, match="http_client= passed in is closed"):
        SyncTransport(http_client=theirs).send(req, False, Timeout())
    own = SyncTransport()
    own.close()
    with pytest.raises(ConfigurationError, match="llmkit Client is closed"):
        own.send(req, False, Timeout())
