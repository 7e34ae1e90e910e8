"""The async transport: a direct request over llmkit's own connections (``h1_async``); a proxied one
on aiohttp (measured ~10x less CPU per request than httpx's async pool here, see
benchmarks/RESULTS.md). Only this module imports aiohttp."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from yarl import URL

from llmkit import _constants as C
from llmkit._proxy import ProxyPolicy
from llmkit._redact import exception_text
from llmkit._timeout import Timeout, phase
from llmkit._tls import context_for
from llmkit.errors import APIConnectionError, APITimeoutError, LLMKitError
from llmkit.framing.body import ACCEPT_ENCODING, BodyDecoder, declared_too_large, too_large
from llmkit.framing.fields import check_headers
from llmkit.transport.h1_async import H1Pool, decoded
from llmkit.wire import HttpRequest, HttpResponse


def map_error(exc: BaseException, headers: Mapping[str, str] | None = None) -> APIConnectionError:
    """Translate aiohttp's exceptions. Like the sync twin, the result keeps no reference to
    ``exc`` (it holds the request's headers) and masks any header value its text quotes."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        err: APIConnectionError = APITimeoutError(f"timed out connecting: {exception_text(exc, headers)}")
        err.before_send = True
    elif isinstance(exc, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        err = APITimeoutError(f"timed out waiting for the server: {type(exc).__name__}")
    elif isinstance(exc, aiohttp.ClientConnectorError):  # refused, DNS, TLS handshake, proxy
        err = APIConnectionError(f"could not connect: {exception_text(exc, headers)}")
        err.before_send = True
    else:
        err = APIConnectionError(f"{type(exc).__name__}: {exception_text(exc, headers)}")
    return err


class AsyncTransport:
    """One aiohttp session per event loop (a session cannot outlive or cross its loop)."""

    def __init__(
        self,
        *,
        max_connections: int = C.MAX_CONNECTIONS,
        proxy: str | None = None,
        max_response_bytes: int = C.MAX_RESPONSE_BYTES,
    ) -> None:
        self._max_connections = max_connections
        self._limit = max_response_bytes
        self._policy = ProxyPolicy.fixed(proxy) if proxy else ProxyPolicy.from_env()
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # Sessions never closed by the caller (a module-level default client, say) are closed
        # when their event loop shuts down (see _close_at_loop_end), or dropped quietly when this
        # transport goes away or the interpreter exits.
        self._sessions: list[aiohttp.ClientSession] = []
        self._watchers: list[Any] = []
        self._timeouts: dict[Timeout, aiohttp.ClientTimeout] = {}
        # The last one, by identity: most calls reuse the client's Timeout object, and a hit skips
        # the dataclass hash. One tuple, so threads sharing the transport never see a torn pair.
        self._last_timeout: tuple[Timeout | None, aiohttp.ClientTimeout | None] = (None, None)
        # Parsing a URL costs a few µs and most calls repeat a handful of them.
        self._urls: dict[str, tuple[URL, URL | None, Mapping[str, str] | None]] = {}
        # Requests that go straight to their server (no proxy) use llmkit's own HTTP/1.1
        # connections (h1_async: a quarter of aiohttp's cost per request); the rest, aiohttp.
        self._direct: dict[str, bool] = {}
        self._h1 = H1Pool(max_connections, max_response_bytes)
        weakref.finalize(self, _drop_sessions, self._sessions)

    async def _get_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._session
        if session is None or self._loop is not loop or session.closed:
            # A session of an earlier event loop (a previous asyncio.run, say) cannot be awaited
            # from this one: drop its sockets synchronously so nothing leaks.
            _drop_sessions(self._sessions)
            self._watchers.clear()
            connector = aiohttp.TCPConnector(limit=self._max_connections, ssl=True)
            # auto_decompress=False: bodies are decoded by framing.body, in bounded pieces.
            session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,
                headers={"Accept-Encoding": ACCEPT_ENCODING},
            )
            self._session, self._loop = session, loop
            self._sessions.append(session)
            watcher = _close_at_loop_end(session)
            await watcher.asend(None)
            self._watchers.append(watcher)
        return session

    def _route(self, url: str) -> tuple[URL, URL | None, Mapping[str, str] | None]:
        route = self._urls.get(url)
        if route is None:
            # encoded=True: send the path exactly as built (and as signed, for SigV4), no requoting.
            proxy, proxy_headers = None, None
            chosen = self._policy.for_url(url) if self._policy is not None else None
            if chosen is not None:
                proxy, proxy_headers = _proxy_parts(chosen)
            route = (URL(url, encoded=True), proxy, proxy_headers)
            if len(self._urls) < 256:
                self._urls[url] = route
        return route

    def _is_direct(self, url: str) -> bool:
        direct = self._policy is None or self._policy.for_url(url) is None
        # (user:password@ in the URL: aiohttp turns it into basic auth, so it goes there.)
        direct = direct and urlsplit(url).username is None
        if len(self._direct) < 256:
            self._direct[url] = direct
        return direct

    async def send(self, req: HttpRequest, stream: bool, timeout: Timeout) -> HttpResponse:
        check_headers(req.headers)
        direct = self._direct.get(req.url)
        if direct is None:
            direct = self._is_direct(req.url)
        if direct:
            return await self._h1.send(req, stream, timeout)
        session = self._session
        if session is None or session.closed or self._loop is not asyncio.get_running_loop():
            session = await self._get_session()
        last, t = self._last_timeout
        if last is not timeout:
            t = self._timeouts.get(timeout)
            if t is None:
                # A total deadline bounds a whole non-streamed exchange (a trickling body
                # included); a stream's deadline is kept by _stream.py, which can then hand back
                # the partial.
                total = None if stream else phase(timeout.total)
                t = aiohttp.ClientTimeout(
                    total=total, connect=phase(timeout.connect), sock_read=phase(timeout.read)
                )
                # Calls with a total deadline carry ever-changing remainders: don't let those pile up.
                if timeout.total is None and len(self._timeouts) < 64:
                    self._timeouts[timeout] = t
            if timeout.total is None:  # (with a total, t depends on stream too)
                self._last_timeout = (timeout, t)
        url, proxy, proxy_headers = self._urls.get(req.url) or self._route(req.url)
        # A request's own CA bundle (HttpRequest.ca_bundle) verifies its server instead of the
        # default, and its client identity (mutual TLS) is presented; aiohttp pools per context.
        tls: Any = True
        if req.ca_bundle is not None or req.client_cert is not None:
            tls = context_for(req.ca_bundle, req.client_cert)
        failure: APIConnectionError | None = None
        try:
            r = await session.request(
                req.method,
                url,
                data=req.body,
                headers=req.headers,
                timeout=t,
                allow_redirects=False,
                proxy=proxy,
                proxy_headers=proxy_headers,
                ssl=tls,
            )
        except (TimeoutError, aiohttp.ClientError) as exc:
            failure = map_error(exc, req.headers)
        if failure is not None:
            raise failure  # outside the except block: no __context__ back to aiohttp's exception
        status = r.status
        if stream and 200 <= status < 300:
            encoding = r.headers.get("content-encoding")
            chunks = _chunks(r, req.headers)
            if encoding is not None:
                chunks = decoded(chunks, BodyDecoder(encoding, None, status))
            return HttpResponse(status, r.headers, b"", achunks=chunks, aclose=_closer(r), close=r.close)
        # A streamed call's error body has no aiohttp total: bound it here.
        bound = timeout.total if stream else None
        return HttpResponse(status, r.headers, await self._read(r, req.headers, bound))

    async def _read(
        self, r: aiohttp.ClientResponse, headers: Mapping[str, str], bound: float | None
    ) -> bytes:
        """The whole body, decoded and capped, read piece by piece (never all at once)."""
        limit = self._limit
        status = r.status
        failure: LLMKitError | None = None
        parts: list[bytes] = []
        done = False
        try:
            if declared_too_large(r.headers, limit):
                raise too_large(limit, status)
            encoding = r.headers.get("content-encoding")
            decoder = None if encoding is None else BodyDecoder(encoding, limit, status)
            # Without a bound (every non-streamed call: aiohttp's own total covers it) no context
            # manager at all: even a null one costs two coroutines per body.
            if bound is None:
                await _collect(r.content, decoder, limit, status, parts)
            else:
                async with asyncio.timeout(bound):
                    await _collect(r.content, decoder, limit, status, parts)
            done = True
        except (TimeoutError, aiohttp.ClientError) as exc:
            failure = map_error(exc, headers)
        finally:
            # A body left unread (too large, or broken) closes the connection rather than pool it.
            if done:
                r.release()
            else:
                r.close()
        if failure is not None:
            raise failure
        return parts[0] if len(parts) == 1 else b"".join(parts)

    async def aclose(self) -> None:
        await self._h1.aclose()
        session = self._session
        self._session = None
        self._watchers.clear()
        if session is not None and not session.closed:
            await session.close()


async def _collect(
    content: aiohttp.StreamReader, decoder: BodyDecoder | None, limit: int, status: int, parts: list[bytes]
) -> None:
    # readany() in a loop, not ``async for``: no iterator object and no StopAsyncIteration per
    # body; b"" is the end. The cap holds on what is kept: after decoding, or on the raw bytes.
    total = 0
    while raw := await content.readany():
        if decoder is None:
            total += len(raw)
            if total > limit:
                raise too_large(limit, status)
            parts.append(raw)
        else:
            parts.extend(decoder.feed(raw))
    if decoder is not None:
        parts.extend(decoder.flush())


def _proxy_parts(proxy: str) -> tuple[URL, Mapping[str, str] | None]:
    # aiohttp turns credentials in the proxy URL into Proxy-Authorization (on the request for an
    # http:// target, on the CONNECT for an https:// one), as httpx2 does.
    return URL(proxy), None


async def _close_at_loop_end(session: aiohttp.ClientSession) -> AsyncGenerator[None, None]:
    # A suspended async generator is finalised by the loop's shutdown_asyncgens(), which
    # asyncio.run() awaits before closing the loop: so a session nobody closed (the module-level
    # llmkit.acomplete's, say) is closed properly, inside its own loop, with no warning.
    try:
        yield
    finally:
        if not session.closed:
            await session.close()


def _drop_sessions(sessions: list[aiohttp.ClientSession]) -> None:
    while sessions:
        connector = sessions.pop().connector
        if connector is not None and not connector.closed:
            try:
                connector._close()
            except RuntimeError:  # its loop is already closed: the sockets went with it
                pass


async def _chunks(r: aiohttp.ClientResponse, headers: Mapping[str, str]) -> AsyncIterator[bytes]:
    failure: APIConnectionError | None = None
    try:
        async for chunk in r.content.iter_any():
            yield chunk
    except (TimeoutError, aiohttp.ClientError) as exc:
        failure = map_error(exc, headers)
    if failure is not None:
        raise failure


def _closer(r: aiohttp.ClientResponse) -> Any:
    async def close() -> None:
        if r.content.at_eof():
            r.release()
        else:
            r.close()

    return close
