"""The sync transport, on httpx2. The only module (with ``async_http``) that touches sockets."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx2

from llmkit import _constants as C
from llmkit._retry import Timeout
from llmkit.errors import APIConnectionError, APITimeoutError
from llmkit.wire import HttpRequest, HttpResponse


def map_error(exc: httpx2.HTTPError) -> APIConnectionError:
    """Translate httpx2's exceptions at this one boundary."""
    if isinstance(exc, httpx2.ConnectTimeout):
        err: APIConnectionError = APITimeoutError(f"timed out connecting: {exc}")
        err.before_send = True
    elif isinstance(exc, httpx2.PoolTimeout):
        err = APITimeoutError("timed out waiting for a free connection in the pool")
        err.before_send = True
    elif isinstance(exc, httpx2.TimeoutException):
        err = APITimeoutError(f"timed out waiting for the server: {type(exc).__name__}")
    elif isinstance(exc, httpx2.ConnectError):
        err = APIConnectionError(f"could not connect: {exc}")
        err.before_send = True
    else:
        err = APIConnectionError(f"{type(exc).__name__}: {exc}")
    err.__cause__ = exc
    return err


class SyncTransport:
    def __init__(
        self,
        *,
        max_connections: int = C.MAX_CONNECTIONS,
        max_keepalive: int = C.MAX_KEEPALIVE_CONNECTIONS,
        http_client: Any = None,
        verify: Any = True,
        proxy: str | None = None,
    ) -> None:
        self._client: httpx2.Client = http_client or httpx2.Client(
            limits=httpx2.Limits(max_connections=max_connections, max_keepalive_connections=max_keepalive),
            follow_redirects=False,
            verify=verify,
            proxy=proxy,
        )
        self._timeouts: dict[Timeout, httpx2.Timeout] = {}

    def _timeout(self, timeout: Timeout) -> httpx2.Timeout:
        t = self._timeouts.get(timeout)
        if t is None:
            t = httpx2.Timeout(
                connect=timeout.connect, read=timeout.read, write=timeout.read, pool=timeout.connect
            )
            # Calls with a total deadline carry ever-changing remainders: don't let those pile up.
            if timeout.total is None and len(self._timeouts) < 64:
                self._timeouts[timeout] = t
        return t

    def send(self, req: HttpRequest, stream: bool, timeout: Timeout) -> HttpResponse:
        t = self._timeout(timeout)
        client = self._client
        # With a total deadline the body is read chunk by chunk, so a server trickling bytes
        # (each within the read timeout) cannot hold the call past it.
        deadline = None if timeout.total is None else time.monotonic() + timeout.total
        incremental = stream or deadline is not None
        try:
            r = client.send(
                client.build_request(req.method, req.url, headers=req.headers, content=req.body, timeout=t),
                stream=incremental,
            )
        except httpx2.HTTPError as exc:
            raise map_error(exc) from exc
        if stream and r.status_code < 400:
            return HttpResponse(r.status_code, r.headers, b"", _chunks(r), r.close)
        try:
            body = _read(r, deadline) if incremental else r.content
        except httpx2.HTTPError as exc:
            raise map_error(exc) from exc
        finally:
            if incremental:
                r.close()
        return HttpResponse(r.status_code, r.headers, body)

    def close(self) -> None:
        self._client.close()


def _read(r: httpx2.Response, deadline: float | None) -> bytes:
    if deadline is None:
        return r.read()
    parts = []
    for chunk in r.iter_bytes():
        parts.append(chunk)
        if time.monotonic() > deadline:
            raise APITimeoutError("total timeout reached while reading the response body")
    return b"".join(parts)


def _chunks(r: httpx2.Response) -> Iterator[bytes]:
    try:
        yield from r.iter_bytes()
    except httpx2.HTTPError as exc:
        raise map_error(exc) from exc
