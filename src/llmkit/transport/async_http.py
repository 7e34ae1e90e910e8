"""The async transport, on aiohttp: measured ~10x less CPU per request than httpx's async pool here
(see benchmarks/RESULTS.md). Only this module imports aiohttp."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from yarl import URL

from llmkit import _constants as C
from llmkit._retry import Timeout
from llmkit.errors import APIConnectionError, APITimeoutError
from llmkit.wire import HttpRequest, HttpResponse


def map_error(exc: BaseException) -> APIConnectionError:
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        err: APIConnectionError = APITimeoutError(f"timed out connecting: {exc}")
        err.before_send = True
    elif isinstance(exc, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        err = APITimeoutError(f"timed out waiting for the server: {type(exc).__name__}")
    elif isinstance(exc, aiohttp.ClientConnectorError):
        err = APIConnectionError(f"could not connect: {exc}")
        err.before_send = True
    else:
        err = APIConnectionError(f"{type(exc).__name__}: {exc}")
    err.__cause__ = exc
    return err


class AsyncTransport:
    """One aiohttp session per event loop (a session cannot outlive or cross its loop)."""

    def __init__(self, *, max_connections: int = C.MAX_CONNECTIONS, ssl: Any = True) -> None:
        self._max_connections = max_connections
        self._ssl = ssl
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # Sessions never closed by the caller (a module-level default client, say) are dropped
        # quietly when this transport goes away or the interpreter exits.
        self._sessions: list[aiohttp.ClientSession] = []
        self._timeouts: dict[Timeout, aiohttp.ClientTimeout] = {}
        # Parsing a URL costs a few µs and most calls repeat a handful of them.
        self._urls: dict[str, URL] = {}
        weakref.finalize(self, _drop_sessions, self._sessions)

    def _get_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._session
        if session is None or self._loop is not loop or session.closed:
            # A session of an earlier event loop (a previous asyncio.run, say) cannot be awaited
            # from this one: drop its sockets synchronously so nothing leaks.
            _drop_sessions(self._sessions)
            connector = aiohttp.TCPConnector(limit=self._max_connections, ssl=self._ssl)
            session = aiohttp.ClientSession(connector=connector, auto_decompress=True)
            self._session, self._loop = session, loop
            self._sessions.append(session)
        return session

    def _url(self, url: str) -> URL:
        parsed = self._urls.get(url)
        if parsed is None:
            # encoded=True: send the path exactly as built (and as signed, for SigV4), no requoting.
            parsed = URL(url, encoded=True)
            if len(self._urls) < 256:
                self._urls[url] = parsed
        return parsed

    async def send(self, req: HttpRequest, stream: bool, timeout: Timeout) -> HttpResponse:
        session = self._get_session()
        t = self._timeouts.get(timeout)
        if t is None:
            # A total deadline bounds a whole non-streamed exchange (a trickling body included);
            # a stream's deadline is kept by _stream.py, which can then hand back the partial.
            total = None if stream else timeout.total
            t = aiohttp.ClientTimeout(total=total, connect=timeout.connect, sock_read=timeout.read)
            # Calls with a total deadline carry ever-changing remainders: don't let those pile up.
            if timeout.total is None and len(self._timeouts) < 64:
                self._timeouts[timeout] = t
        try:
            r = await session.request(
                req.method,
                self._url(req.url),
                data=req.body,
                headers=req.headers,
                timeout=t,
                allow_redirects=False,
            )
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise map_error(exc) from exc
        if stream and r.status < 400:
            return HttpResponse(r.status, r.headers, b"", achunks=_chunks(r), aclose=_closer(r))
        try:
            # A streamed call's error body has no aiohttp total: bound it here.
            async with asyncio.timeout(timeout.total if stream else None):
                body = await r.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise map_error(exc) from exc
        finally:
            r.release()
        return HttpResponse(r.status, r.headers, body)

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


def _drop_sessions(sessions: list[aiohttp.ClientSession]) -> None:
    while sessions:
        connector = sessions.pop().connector
        if connector is not None and not connector.closed:
            connector._close()


async def _chunks(r: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    try:
        async for chunk in r.content.iter_any():
            yield chunk
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise map_error(exc) from exc


def _closer(r: aiohttp.ClientResponse) -> Any:
    async def close() -> None:
        if r.content.at_eof():
            r.release()
        else:
            r.close()

    return close
