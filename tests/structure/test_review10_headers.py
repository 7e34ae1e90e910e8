"""The header rule reaches the transport: with a caller's own ``httpx2.Client`` the transport adds
its ``Accept-Encoding`` (what ``framing.body`` can decode) case-insensitively, so a caller's
``accept-encoding`` in any case is one header on the wire, not two."""

from __future__ import annotations

import httpx2

from llmkit._timeout import Timeout
from llmkit.framing.body import ACCEPT_ENCODING
from llmkit.transport.sync_http import SyncTransport
from llmkit.wire import HttpRequest


def test_own_http_client_sends_one_accept_encoding() -> None:
    seen: list[list[str]] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.headers.get_list("accept-encoding"))
        return httpx2.Response(200, content=b"{}")

    client = httpx2.Client(transport=httpx2.MockTransport(answer))
    transport = SyncTransport(http_client=client)
    try:
        for spelling in ("accept-encoding", "ACCEPT-ENCODING", "Accept-Encoding"):
            req = HttpRequest("GET", "http://127.0.0.1:9/x", {spelling: "br"}, b"")
            transport.send(req, False, Timeout.of(5.0, None))
    finally:
        transport.close()
        client.close()
    # Each request carried the header once, and it is the one llmkit decodes.
    assert seen == [[ACCEPT_ENCODING]] * 3
