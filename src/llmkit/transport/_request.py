"""httpx2 requests for the transport's own clients, built without ``Client.build_request``.

``build_request`` parses the URL string, merges header dicts twice and encodes the body through
``encode_request`` on every call: about a third of the CPU a small call costs on loopback (issue
17). For the clients the transport made itself (no base URL, params, auth or event hooks; its
cookie jar empty, which the caller checks) the result is known in advance, so it is built here
directly: the same method, URL, header list (same names, order and spelling) and body, with the
parsed URL kept per address. Anything out of the ordinary (a header ``build_request`` treats
specially, a body that is not bytes) returns None and goes through ``build_request`` as before.
``tests/transport/test_request_builder.py`` holds the two side by side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx2

# Headers httpx2 adds or reconciles itself (``Request._prepare``): a request carrying one of them
# is left to ``build_request``.
_SPECIAL = frozenset({"host", "content-length", "transfer-encoding", "cookie"})
# Methods httpx2 gives an explicit ``Content-Length: 0`` when they carry no body.
_BODIED = frozenset({"POST", "PUT", "PATCH", "QUERY"})
_URLS_MAX = 256


class RequestBuilder:
    """Requests as ``client.build_request(method, url, headers=..., content=..., extensions=...)``
    returns them, for a client whose default headers are ``defaults`` (its ``headers.raw``)."""

    __slots__ = ("_defaults", "_urls")

    def __init__(self, defaults: Sequence[tuple[bytes, bytes]]) -> None:
        self._defaults = tuple((k, k.decode("ascii").lower(), v) for k, v in defaults)
        self._urls: dict[str, httpx2.URL] = {}

    def url(self, url: str) -> httpx2.URL:
        parsed = self._urls.get(url)
        if parsed is None:
            parsed = httpx2.URL(url)  # immutable: one parse serves every request to this address
            if len(self._urls) < _URLS_MAX:
                self._urls[url] = parsed
        return parsed

    def build(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: dict[str, Any],
    ) -> httpx2.Request | None:
        """The request, or None when ``build_request`` must build it. ``headers`` have passed
        ``check_headers`` (ASCII names and values), so they encode as httpx2 would encode them."""
        if body is not None and type(body) is not bytes:
            return None
        lows = set(map(str.lower, headers))
        if not lows.isdisjoint(_SPECIAL):
            return None
        method = method.upper()
        target = self.url(url)
        # The order build_request gives: Host, an empty body's Content-Length: 0, the client's
        # defaults the call does not override, the call's headers, the body's Content-Length.
        raw: list[tuple[bytes, bytes]] = [(b"Host", target.netloc)] if target.host else []
        if not body and method in _BODIED:
            raw.append((b"Content-Length", b"0"))
        raw.extend([(k, v) for k, low, v in self._defaults if low not in lows])
        raw.extend([(k.encode("ascii"), v.encode("ascii")) for k, v in headers.items()])
        if body:
            raw.append((b"Content-Length", str(len(body)).encode("ascii")))
        return httpx2.Request(
            method,
            target,
            headers=raw,
            stream=httpx2.ByteStream(body or b""),
            extensions={"timeout": timeout},
        )
