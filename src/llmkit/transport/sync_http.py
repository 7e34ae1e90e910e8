"""The sync transport: a request that goes straight to its server over llmkit's own connections
(``h1_sync``); one through a proxy, with user:password@ in its URL, or through a caller's
``http_client=``, on httpx2 (``sync_httpx``, imported at the first such request).

So a first sync call to a provider loads neither httpx2 nor httpcore2 (~55 ms): the default TLS
trust of our own connections is httpx2's, rebuilt without it (``_tls.default_context``).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from llmkit import _constants as C
from llmkit._proxy import ProxyPolicy
from llmkit._timeout import Timeout
from llmkit._tls import default_context
from llmkit.errors import ConfigurationError
from llmkit.framing.fields import check_headers
from llmkit.transport.h1_sync import H1SyncPool
from llmkit.wire import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from llmkit.transport.sync_httpx import HttpxSide

_CLOSED = "this llmkit Client is closed: make a new one to send requests"


class SyncTransport:
    def __init__(
        self,
        *,
        max_connections: int = C.MAX_CONNECTIONS,
        http_client: Any = None,
        proxy: str | None = None,
        max_response_bytes: int = C.MAX_RESPONSE_BYTES,
    ) -> None:
        self._limits = (max_connections, max_response_bytes)
        # A caller's own httpx2.Client keeps its own proxy settings; ours follow ProxyPolicy.
        self._own = http_client is None
        policy = ProxyPolicy.fixed(proxy) if proxy else ProxyPolicy.from_env()
        self._policy = policy if self._own else None
        self._closed = False
        self._lock = threading.Lock()
        # The httpx2 side: at once for a caller's client (whoever passes one has imported httpx2),
        # else at the first request that needs it.
        self._httpx: HttpxSide | None = None if self._own else self._make_httpx(http_client)
        # Our own requests that go straight to their server (no proxy) use llmkit's own HTTP/1.1
        # connections; the pool is made at the first such request.
        self._h1: H1SyncPool | None = None
        self._direct_urls: dict[str, bool] = {}

    def _make_httpx(self, http_client: Any) -> HttpxSide:
        from llmkit.transport.sync_httpx import HttpxSide

        return HttpxSide(http_client, self._policy, *self._limits)

    def _side(self) -> HttpxSide:
        with self._lock:  # (threads sharing a new client make one, not one each)
            side = self._httpx
            if side is None:
                if self._closed:
                    raise ConfigurationError(_CLOSED)
                side = self._httpx = self._make_httpx(None)
            return side

    def _is_direct(self, url: str) -> bool:
        # (user:password@ in the URL: httpx2 turns it into basic auth, so it goes there.)
        direct = self._own and (self._policy is None or self._policy.for_url(url) is None)
        direct = direct and urlsplit(url).username is None
        if len(self._direct_urls) < 256:
            self._direct_urls[url] = direct
        return direct

    def _pool(self) -> H1SyncPool:
        with self._lock:
            pool = self._h1
            if pool is None:
                if self._closed:
                    raise ConfigurationError(_CLOSED)
                # httpx2's default trust (SSL_CERT_FILE / SSL_CERT_DIR, else the system's), made
                # at the first https request.
                pool = self._h1 = H1SyncPool(*self._limits, default_context)
            return pool

    def send(self, req: HttpRequest, stream: bool, timeout: Timeout) -> HttpResponse:
        check_headers(req.headers)
        direct = self._direct_urls.get(req.url)
        if direct is None:
            direct = self._is_direct(req.url)
        if direct:
            return (self._h1 or self._pool()).send(req, stream, timeout)
        return (self._httpx or self._side()).send(req, stream, timeout)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            h1, side = self._h1, self._httpx
        if h1 is not None:
            h1.close()
        if side is not None:
            side.close()
