"""One proxy policy for sync and async: HTTP(S)_PROXY, ALL_PROXY, NO_PROXY, and proxy=."""

from __future__ import annotations

import socket
from typing import Any

import _transport_servers as ts
import pytest

from llmkit._proxy import ProxyPolicy
from llmkit.errors import ConfigurationError

PROXY_VARS = ["http_proxy", "https_proxy", "all_proxy", "no_proxy"]


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def origin() -> Any:
    def handler(server: Any, sock: Any, f: Any) -> None:
        while server.read(f) is not None:
            ts.respond(sock, 200, ts.COMPLETION)

    return ts.Server(handler)


def forward_proxy() -> Any:
    """A plain-HTTP forward proxy: records each absolute-form request and relays it."""

    def handler(server: Any, sock: Any, f: Any) -> None:
        req = server.read(f)
        if req is None:
            return
        method, target, _ = req.line.split(" ", 2)
        assert target.startswith("http://"), target
        hostport, _, path = target[len("http://") :].partition("/")
        host, _, port = hostport.partition(":")
        with socket.create_connection((host, int(port or 80))) as up:
            lines = [f"{method} /{path} HTTP/1.1"]
            lines += [f"{k}: {v}" for k, v in req.headers.items() if not k.startswith("proxy-")]
            lines += ["Connection: close"]
            up.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + req.body)
            while data := up.recv(65536):
                sock.sendall(data)

    return ts.Server(handler)


def test_http_proxy_from_the_environment_is_used(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with origin() as target, forward_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        assert ts.complete(mode, target).text == "hello"
    assert [r.line.split(" ")[1] for r in proxy.requests] == [f"{target.url}/chat/completions"]
    assert len(target.requests) == 1


def test_lower_case_all_proxy_is_used(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with origin() as target, forward_proxy() as proxy:
        monkeypatch.setenv("all_proxy", f"127.0.0.1:{proxy.port}")  # no scheme: http:// is meant
        assert ts.complete(mode, target).text == "hello"
    assert len(proxy.requests) == 1


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "*", "localhost,127.0.0.0/8", "example.test, 127.0.0.1"])
def test_no_proxy_goes_direct(mode: str, monkeypatch: pytest.MonkeyPatch, no_proxy: str) -> None:
    with origin() as target, forward_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.setenv("NO_PROXY", no_proxy)
        assert ts.complete(mode, target).text == "hello"
    assert proxy.requests == []
    assert len(target.requests) == 1


def test_no_proxy_with_another_port_still_proxies(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with origin() as target, forward_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.setenv("NO_PROXY", f"127.0.0.1:{target.port + 1}")
        ts.complete(mode, target)
    assert len(proxy.requests) == 1


def test_https_proxy_alone_does_not_catch_http_urls(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with origin() as target, forward_proxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")
        ts.complete(mode, target)
    assert proxy.requests == []


def test_explicit_proxy_ignores_the_environment(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with origin() as target, forward_proxy() as proxy:
        monkeypatch.setenv("NO_PROXY", "*")
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
        assert ts.complete(mode, target, proxy=f"http://127.0.0.1:{proxy.port}").text == "hello"
    assert len(proxy.requests) == 1


def test_proxy_credentials_are_sent_and_never_shown(mode: str) -> None:
    with origin() as target, forward_proxy() as proxy:
        ts.complete(mode, target, proxy=f"http://user:pw-CANARY-1234@127.0.0.1:{proxy.port}")
    assert proxy.requests[0].headers["proxy-authorization"] == "Basic dXNlcjpwdy1DQU5BUlktMTIzNA=="
    assert "proxy-authorization" not in target.requests[0].headers


@pytest.mark.parametrize("value", ["socks5://127.0.0.1:1080", "https://127.0.0.1:3128", "ftp://x"])
def test_unsupported_proxy_schemes_are_configuration_errors(
    mode: str, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    with origin() as target:
        monkeypatch.setenv("ALL_PROXY", value)
        with pytest.raises(ConfigurationError, match="ALL_PROXY"):
            ts.complete(mode, target)
        with pytest.raises(ConfigurationError, match="proxy"):
            ts.complete(mode, target, proxy=value)
    assert target.requests == []


@pytest.mark.parametrize(
    ("no_proxy", "url", "bypassed"),
    [
        ("example.com", "http://example.com/x", True),
        ("example.com", "http://api.example.com/x", True),
        ("example.com", "http://badexample.com/x", False),
        (".example.com", "http://example.com/x", True),
        ("*.example.com", "http://a.b.example.com/x", True),
        ("10.0.0.0/8", "http://10.1.2.3/x", True),
        ("10.0.0.0/8", "http://11.1.2.3/x", False),
        ("::1", "http://[::1]:8080/x", True),
        ("[::1]:8080", "http://[::1]:8080/x", True),
        ("host:8080", "http://host:8081/x", False),
        ("HOST", "http://host/x", True),
        ("", "http://host/x", False),
    ],
)
def test_no_proxy_rules(no_proxy: str, url: str, bypassed: bool) -> None:
    policy = ProxyPolicy.from_env({"http_proxy": "http://p:1", "no_proxy": no_proxy})
    assert policy is not None
    assert (policy.for_url(url) is None) is bypassed


def test_cgi_ignores_upper_case_http_proxy() -> None:
    assert ProxyPolicy.from_env({"HTTP_PROXY": "http://p:1", "REQUEST_METHOD": "GET"}) is None
