"""A 429 or 503 whose Retry-After is garbage is still the status's typed error (never a bare
OverflowError from an HTTP date with an absurd zone offset), and the garbage is no wait at all."""

from __future__ import annotations

from typing import Any

import _transport_servers as ts
import pytest

from llmkit.errors import RateLimitError, ServerError

GARBAGE = [
    "-1",
    "1e999",
    "nan",
    "1" * 4_000,  # aiohttp refuses a header line over 8190 bytes outright (APIConnectionError)
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Tue, 1 Jan 10000 00:00:00 GMT",
    "Sun, 06 Nov 1994 08:49:37 -9999999999999",
    "Sat, 01 Jan 2000 00:00:00 +99999999999999999999999",
]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("header", ["retry-after", "retry-after-ms"])
@pytest.mark.parametrize("value", GARBAGE, ids=lambda v: v[:30])
def test_garbage_retry_after_keeps_the_status_class(mode: str, status: int, header: str, value: str) -> None:
    def handler(server: ts.Server, sock: Any, f: Any) -> None:
        if server.read(f) is not None:
            ts.respond(sock, status, b'{"error": {"message": "slow down"}}', {header: value})

    expected = RateLimitError if status == 429 else ServerError
    with ts.Server(handler) as server, pytest.raises(expected) as info:
        ts.complete(mode, server, max_retries=0)
    if isinstance(info.value, RateLimitError) and info.value.retry_after is not None:
        # Only the date in 9999 parses, and it is far beyond anything honoured.
        assert info.value.retry_after > 60
