"""Reading a generated image's URL: https only, same-host redirects only, size-capped, no key.

The rules (which URLs, which redirects, which answers) are pure functions in ``llmkit.images``;
this module holds the I/O, over a transport of its own, and registers itself as the default
fetcher when the clients load.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llmkit import images as I
from llmkit._timeout import Timeout
from llmkit.errors import RedirectError


@dataclass(slots=True)
class Fetcher:
    """Reads image URLs over a transport of its own (or the client's size cap and timeout)."""

    max_response_bytes: int | None = None
    timeout: Timeout | None = None

    def fetch(self, url: str) -> tuple[bytes, str]:
        from llmkit.transport.sync_http import SyncTransport

        transport = SyncTransport(**self._kwargs())
        try:
            for _ in range(I.MAX_FETCH_REDIRECTS + 1):
                resp = transport.send(I.fetch_request(url), False, self._timeout())
                hop = I.next_hop(url, resp)
                if hop is None:
                    return I.fetched(url, resp)
                url = hop
        finally:
            transport.close()
        raise RedirectError(f"the image URL redirected more than {I.MAX_FETCH_REDIRECTS} times")

    async def afetch(self, url: str) -> tuple[bytes, str]:
        from llmkit.transport.async_http import AsyncTransport

        transport = AsyncTransport(**self._kwargs())
        try:
            for _ in range(I.MAX_FETCH_REDIRECTS + 1):
                resp = await transport.send(I.fetch_request(url), False, self._timeout())
                hop = I.next_hop(url, resp)
                if hop is None:
                    return I.fetched(url, resp)
                url = hop
        finally:
            await transport.aclose()
        raise RedirectError(f"the image URL redirected more than {I.MAX_FETCH_REDIRECTS} times")

    def _kwargs(self) -> dict[str, Any]:
        return {} if self.max_response_bytes is None else {"max_response_bytes": self.max_response_bytes}

    def _timeout(self) -> Timeout:
        return self.timeout if self.timeout is not None else Timeout.of(None, None)


I.set_default_fetcher(Fetcher())
