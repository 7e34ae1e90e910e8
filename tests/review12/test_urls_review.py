"""Review of issue 12's URL rules: an image fetch and a Replicate job URL go only to a plain host.

Hostile URLs tried: other schemes (http, data:, file:), userinfo, backslashes and percent-escapes
in the authority (read as different hosts by different parsers), a look-alike suffix host, a
port, and redirects to another origin."""

from __future__ import annotations

from typing import Any

import pytest

from llmkit.dialects.replicate import ReplicateQuirks
from llmkit.dialects.replicate._response import job_url
from llmkit.errors import ConfigurationError, RedirectError, ResponseDecodeError
from llmkit.images import fetch_request, next_hop
from llmkit.wire import HttpResponse

HOSTILE_FETCH = [
    "http://replicate.delivery/x.png",
    "data:image/png;base64,iVBORw0KGgo=",
    "file:///etc/passwd",
    "https://user:pw@replicate.delivery/x.png",
    "https://replicate.delivery\\@evil.example/x.png",
    "https://evil.example\\.replicate.delivery/x.png",
    "https://evil.example%2f.replicate.delivery/x.png",
    "https:///x.png",
]


@pytest.mark.parametrize("url", HOSTILE_FETCH)
def test_fetch_refuses_what_is_not_a_plain_https_host(url: str) -> None:
    with pytest.raises(ConfigurationError):
        fetch_request(url)


def test_fetch_takes_plain_https_hosts_and_ports() -> None:
    for url in ("https://replicate.delivery/a/b.webp?sig=1", "https://xn--exmple-cua.com:8443/i.png"):
        assert fetch_request(url).headers == {"accept": "image/*"}  # no credential, no provider header


@pytest.mark.parametrize(
    "location",
    [
        "https://evil.example/x",
        "//evil.example/x",
        "http://replicate.delivery/x",
        "https://replicate.delivery:444/x",
    ],
)
def test_redirects_to_another_origin_are_refused(location: str) -> None:
    with pytest.raises(RedirectError):
        next_hop("https://replicate.delivery/x", HttpResponse(302, {"location": location}))


def obj(url: str) -> dict[str, Any]:
    return {"id": "p1", "status": "processing", "urls": {"get": url, "cancel": url, "stream": url}}


HOSTILE_JOB = [
    "https://api.replicate.com.evil.com/v1/predictions/p1",
    "https://api.replicate.com@evil.com/v1/predictions/p1",
    "https://evil.com@api.replicate.com/v1/predictions/p1",
    "https://api.replicate.com:8443/v1/predictions/p1",
    "http://api.replicate.com/v1/predictions/p1",
    "https://api.replicate.com\\@evil.com/v1/predictions/p1",
    "https://evil.com\\.replicate.net/v1/streams/p1",
    "https://evil.com%2f.replicate.net/v1/streams/p1",
    "https://x@stream-b.svc.rno2.c.replicate.net/v1/streams/p1",
    "https://stream.replicate.net:8443/v1/streams/p1",
    "https://api.replicate.com:notaport/v1/predictions/p1",
]


@pytest.mark.parametrize("url", HOSTILE_JOB)
def test_job_urls_cannot_move_the_key(url: str) -> None:
    trusted = ReplicateQuirks().stream_hosts
    for name in ("get", "cancel", "stream"):
        with pytest.raises(ResponseDecodeError, match="another host"):
            job_url(obj(url), name, _ctx(), trusted)


def _ctx() -> Any:
    class C:
        base_url = "https://api.replicate.com"
        provider = "replicate"

    return C()


def test_job_urls_on_the_api_and_stream_hosts_pass() -> None:
    trusted = ReplicateQuirks().stream_hosts
    ok = "https://api.replicate.com/v1/predictions/p1"
    assert job_url(obj(ok), "get", _ctx(), trusted) == ok
    stream = "https://stream-b.svc.rno2.c.replicate.net/v1/streams/p1"
    assert job_url(obj(stream), "stream", _ctx(), trusted) == stream
