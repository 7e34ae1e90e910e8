"""The two drivers under ``Client`` and ``AsyncClient``: all of a call's I/O, and nothing else.

A call is an operation's pure preparation (``llmkit.operations``), then its ``send_flow`` run to
the response, then the operation's parser. Stepping the flow (send a result in, throw an error
in, take its return value) is ``advance``, written once; each driver holds only the lines that
send, sleep and run a blocking credential refresh: ``httpx2`` and ``time.sleep`` inline, or
``aiohttp``, ``asyncio.sleep`` and a worker thread.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Generator
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from llmkit._retry import Action, Send, Sleep
from llmkit._stream import AsyncStream, Stream, _StreamCore
from llmkit.auth.base import Blocking, Join
from llmkit.errors import APITimeoutError, ConfigurationError, LLMKitError
from llmkit.operations.base import (
    Common,
    Declaration,
    Operation,
    Prepared,
    StreamOperation,
    flow,
    parse_response,
    prepare,
)
from llmkit.operations.settings import ClientOptions, Settings
from llmkit.types import Completion
from llmkit.wire import DEFAULT_IMAGE_FETCHER, HttpRequest, HttpResponse

# The cache and observer machinery (llmkit.cache, llmkit.observe, llmkit._observed) loads only
# for a client or call that configures it: a plain first call imports none of it (issue 17).
if TYPE_CHECKING:
    from llmkit._observed import Watch
    from llmkit.cache._lookup import Lookup
    from llmkit.transport.async_http import AsyncTransport
    from llmkit.transport.sync_http import SyncTransport

log = logging.getLogger("llmkit")

P = TypeVar("P", bound=Common)
R = TypeVar("R")
T = TypeVar("T")


# What a flow yields; anything else is what it returned (a response, or an operation's result).
_ACTIONS = frozenset({Send, Sleep, Blocking, Join})


def advance(flow: Generator[Action, Any, Any], result: Any, error: LLMKitError | None) -> Any:
    """One step of a flow: the next action it asks for, or what it returned (the response, or
    the result of an operation that runs its own flow)."""
    try:
        return flow.send(result) if error is None else flow.throw(error)
    except StopIteration as done:
        return done.value


def log_response(req: HttpRequest, resp: HttpResponse, started: float) -> None:
    # Metadata only: never URLs with queries, headers or bodies.
    log.debug(
        "%s %s -> %s in %.1f ms (request id %s)",
        req.method,
        req.url.split("?", 1)[0],
        resp.status,
        (time.perf_counter() - started) * 1000,
        resp.request_id,
    )


async def _off_loop(action: Blocking) -> Any:
    import asyncio  # imported where used: a sync-only program never loads asyncio (issue 17)

    try:
        return await asyncio.wait_for(asyncio.to_thread(action.fn), action.timeout)
    except TimeoutError:
        pass
    # (The thread runs on to its end; a blocking library call cannot be interrupted.)
    raise APITimeoutError("total timeout reached while refreshing credentials")


_JOIN_TIMEOUT = "total timeout reached while waiting for another call's token refresh"


def _wait(action: Join) -> Any:
    try:
        return action.future.result(action.timeout)
    except concurrent.futures.TimeoutError:
        pass
    raise APITimeoutError(_JOIN_TIMEOUT)


async def _joined(action: Join) -> Any:
    import asyncio

    # Shielded: a waiter that gives up must not cancel the refresh the others still wait for.
    try:
        return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(action.future)), action.timeout)
    except TimeoutError:
        pass
    raise APITimeoutError(_JOIN_TIMEOUT)


def _mark_cached(completion: Completion) -> None:
    completion.cached = True


async def _amark_cached(completion: Completion) -> None:
    completion.cached = True


def _observed_hit(
    s: Settings, op: Operation[Any, Any], params: Any, prepared: Prepared[Any], hit: Any
) -> Any:
    """A cache hit, reported to the observers (if any) as a call with ``cache_hit`` marked."""
    if s.observers:
        from llmkit._observed import Watch

        w = Watch(s.observers)
        w.begin(op.name, prepared, params, False, cache_hit=True)
        w.succeed(hit)
    return hit


def _begin_hit(w: Watch | None, op: StreamOperation[Any], params: Any, prepared: Prepared[Any]) -> None:
    if w is not None:
        w.begin(op.name, prepared, params, True, cache_hit=True)


class _LazyFetcher:
    """The default image-URL fetcher GeneratedImage.fetch uses, registered with the clients;
    ``llmkit._fetch`` loads on the first fetch, not with every chat call (issue 17)."""

    def fetch(self, url: str) -> tuple[bytes, str]:
        from llmkit._fetch import Fetcher

        return Fetcher().fetch(url)

    async def afetch(self, url: str) -> tuple[bytes, str]:
        from llmkit._fetch import Fetcher

        return await Fetcher().afetch(url)


# Into wire's slot, not through llmkit.images: a chat call does not load the images module.
if not DEFAULT_IMAGE_FETCHER:
    DEFAULT_IMAGE_FETCHER.append(_LazyFetcher())


def _plan(op: Declaration[Any], s: Settings, params: Common, prepared: Prepared[Any]) -> Lookup | None:
    """The call's cache lookup; None (two attribute reads, nothing imported) when no cache is asked."""
    if getattr(params, "cache", None) is None and s.cache is None:
        return None
    from llmkit.operations import _caching

    return _caching.plan(op, s, params, prepared)


def _check_http_client(http_client: object) -> None:
    import httpx2  # only when one is passed: whoever passes an httpx2.Client has imported it already

    if not isinstance(http_client, httpx2.Client):
        hint = (
            " (AsyncClient runs on aiohttp and takes no http_client)"
            if isinstance(http_client, httpx2.AsyncClient)
            else ""
        )
        raise ConfigurationError(
            f"http_client must be an httpx2.Client, not {type(http_client).__name__}{hint}; "
            "leave it out and llmkit makes its own pool"
        )


class SyncDriver:
    """Runs operations with httpx2; ``Client`` is its generated shell."""

    def __init__(self, options: ClientOptions, http_client: Any = None) -> None:
        self._settings = Settings(options)
        if http_client is not None:
            _check_http_client(http_client)
        self._http_client = http_client
        self._transport: SyncTransport | None = None
        # Threads making their first call at once must share one pool, not race to build one.
        self._transport_lock = threading.Lock()

    def __repr__(self) -> str:
        return self._settings.describe(type(self).__name__)

    def _get_transport(self) -> SyncTransport:
        transport = self._transport
        if transport is None:
            with self._transport_lock:
                transport = self._transport
                if transport is None:
                    from llmkit.transport.sync_http import SyncTransport

                    s = self._settings
                    transport = self._transport = SyncTransport(
                        max_connections=s.max_connections,
                        http_client=self._http_client,
                        proxy=s.proxy,
                        max_response_bytes=s.max_response_bytes,
                    )
        return transport

    def _drive(self, flow: Generator[Action, Any, T]) -> T:
        transport = self._get_transport()
        step = advance(flow, None, None)
        while type(step) in _ACTIONS:
            try:
                if type(step) is Send:
                    started = time.perf_counter()
                    result: Any = transport.send(step.request, step.stream, step.timeout)
                    if log.isEnabledFor(logging.DEBUG):
                        log_response(step.request, result, started)
                elif type(step) is Sleep:
                    time.sleep(step.seconds)
                    result = None
                elif type(step) is Join:  # another caller's token refresh
                    result = _wait(step)
                else:  # a credential library's blocking refresh
                    result = cast(Blocking, step).fn()
            except LLMKitError as exc:
                step = advance(flow, None, exc)
            else:
                step = advance(flow, result, None)
        return cast(T, step)

    def _call(self, op: Operation[P, R], params: P) -> R:
        if op.local is not None and (answer := op.local(params)) is not None:
            return answer
        prepared = prepare(op, self._settings, params)
        look = _plan(op, self._settings, params, prepared)
        if look is not None:
            return self._call_cached(op, params, prepared, look)
        return self._send_call(op, params, prepared)

    def _send_call(self, op: Operation[P, R], params: P, prepared: Prepared[Any]) -> R:
        if self._settings.observers:
            return self._call_observed(op, params, prepared)
        if op.run is not None:
            return self._drive(op.run(prepared))
        return parse_response(op, prepared, self._drive(flow(prepared, False)))

    def _call_cached(self, op: Operation[P, R], params: P, prepared: Prepared[Any], look: Lookup) -> R:
        from llmkit.operations import _caching as caching

        if look.read:
            hit = caching.from_hit(op, prepared, look.found(look.backend.get(look.key)))
            if hit is not None:
                return cast(R, _observed_hit(self._settings, op, params, prepared, hit))
        result = self._send_call(op, params, prepared)
        if look.write:
            data = caching.entry(look, result)
            if data is not None:
                look.backend.set(look.key, data, look.ttl)
        return result

    def _call_observed(self, op: Operation[P, R], params: P, prepared: Prepared[Any]) -> R:
        from llmkit._observed import Watch, watch

        w = Watch(self._settings.observers)
        call = w.begin(op.name, prepared, params, False)
        try:
            if op.run is not None:
                result = self._drive(watch(op.run(prepared), w.observers, call))
            else:
                resp = self._drive(watch(flow(prepared, False), w.observers, call))
                result = parse_response(op, prepared, resp)
        except LLMKitError as exc:
            w.fail(exc)
            raise
        w.succeed(result)
        return result

    def _stream(self, op: StreamOperation[P], params: P) -> Stream:
        prepared = prepare(op, self._settings, params)
        core = op.open(self._settings, prepared)
        look = _plan(op, self._settings, params, prepared)
        observers = self._settings.observers
        if look is None and not observers:

            def send() -> HttpResponse:
                return self._drive(flow(prepared, True))

            # Sent at once: a sync caller expects the call to have reached the provider when it returns.
            return Stream(send(), core, send, self._drive)
        # A cache or observers: their machinery loads here, not with every call (issue 17).
        from llmkit._observed import ObservedStream, Watch
        from llmkit.cache._replay import replayed_response
        from llmkit.operations import _caching as caching

        # The cache is read first, so observers are told whether it answered (replayed events
        # included) and a miss is recorded for the cache with the observers watching it.
        hit = (
            look is not None
            and look.read
            and caching.replay_hit(core, look.found(look.backend.get(look.key)))
        )
        w = Watch(observers) if observers else None
        send = self._stream_sender(op, params, prepared, w, hit)
        if not hit and look is not None and look.write:
            caching.record_stream(core)
        response = replayed_response(False) if hit else send()
        stream = (
            Stream(response, core, send, self._drive)
            if w is None
            else ObservedStream(response, core, send, self._drive, w)
        )
        if hit:
            stream.cached = True
            stream.after_end = _mark_cached
        elif look is not None and look.write:

            def store(completion: Completion) -> None:
                data = caching.stream_entry(look, core)
                if data is not None:
                    look.backend.set(look.key, data, look.ttl)

            stream.after_end = store
        return stream

    def _stream_sender(
        self, op: StreamOperation[P], params: P, prepared: Prepared[Any], w: Watch | None, hit: bool
    ) -> Callable[[], HttpResponse]:
        if w is None:
            return lambda: self._drive(flow(prepared, True))
        from llmkit._observed import watch

        call = w.begin(op.name, prepared, params, True, cache_hit=hit)

        def send() -> HttpResponse:
            try:
                return self._drive(watch(flow(prepared, True), w.observers, call))
            except LLMKitError as exc:
                w.fail(exc)
                raise

        return send

    def close(self) -> None:
        with self._transport_lock:
            transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncDriver:
    """Runs operations with aiohttp; ``AsyncClient`` is its generated shell."""

    def __init__(self, options: ClientOptions) -> None:
        self._settings = Settings(options)
        self._transport: AsyncTransport | None = None
        # Clients shared by event loops in several threads still get one transport.
        self._transport_lock = threading.Lock()

    def __repr__(self) -> str:
        return self._settings.describe(type(self).__name__)

    def _get_transport(self) -> AsyncTransport:
        transport = self._transport
        if transport is None:
            with self._transport_lock:
                transport = self._transport
                if transport is None:
                    from llmkit.transport.async_http import AsyncTransport

                    s = self._settings
                    transport = self._transport = AsyncTransport(
                        max_connections=s.max_connections,
                        proxy=s.proxy,
                        max_response_bytes=s.max_response_bytes,
                    )
        return transport

    async def _drive(self, flow: Generator[Action, Any, T]) -> T:
        transport = self._get_transport()
        step = advance(flow, None, None)
        while type(step) in _ACTIONS:
            try:
                if type(step) is Send:
                    if not log.isEnabledFor(logging.DEBUG):  # the usual case: no clock read
                        result: Any = await transport.send(step.request, step.stream, step.timeout)
                    else:
                        started = time.perf_counter()
                        result = await transport.send(step.request, step.stream, step.timeout)
                        log_response(step.request, result, started)
                elif type(step) is Sleep:
                    import asyncio

                    await asyncio.sleep(step.seconds)
                    result = None
                elif type(step) is Join:  # another caller's token refresh, awaited
                    result = await _joined(step)
                else:  # a credential library's blocking refresh: off the event loop
                    result = await _off_loop(cast(Blocking, step))
            except LLMKitError as exc:
                step = advance(flow, None, exc)
            else:
                step = advance(flow, result, None)
        return cast(T, step)

    async def _call(self, op: Operation[P, R], params: P) -> R:
        if op.local is not None and (answer := op.local(params)) is not None:
            return answer
        s = self._settings
        prepared = prepare(op, s, params)
        look = _plan(op, s, params, prepared)
        if look is not None:
            return await self._call_cached(op, params, prepared, look)
        if s.observers or op.run is not None:
            return await self._send_call(op, params, prepared)
        # The plain call (no cache, no observers, one flow): one coroutine frame fewer per call,
        # which every suspension of the send would otherwise pass through too.
        return parse_response(op, prepared, await self._drive(flow(prepared, False)))

    async def _send_call(self, op: Operation[P, R], params: P, prepared: Prepared[Any]) -> R:
        if self._settings.observers:
            return await self._call_observed(op, params, prepared)
        if op.run is not None:
            return cast(R, await self._drive(op.run(prepared)))
        return parse_response(op, prepared, await self._drive(flow(prepared, False)))

    async def _call_cached(self, op: Operation[P, R], params: P, prepared: Prepared[Any], look: Lookup) -> R:
        from llmkit.operations import _caching as caching

        if look.read:
            hit = caching.from_hit(op, prepared, look.found(await look.backend.aget(look.key)))
            if hit is not None:
                return cast(R, _observed_hit(self._settings, op, params, prepared, hit))
        result = await self._send_call(op, params, prepared)
        if look.write:
            data = caching.entry(look, result)
            if data is not None:
                await look.backend.aset(look.key, data, look.ttl)
        return result

    async def _call_observed(self, op: Operation[P, R], params: P, prepared: Prepared[Any]) -> R:
        from llmkit._observed import Watch, watch

        w = Watch(self._settings.observers)
        call = w.begin(op.name, prepared, params, False)
        try:
            if op.run is not None:
                result = cast(R, await self._drive(watch(op.run(prepared), w.observers, call)))
            else:
                resp = await self._drive(watch(flow(prepared, False), w.observers, call))
                result = parse_response(op, prepared, resp)
        except LLMKitError as exc:
            w.fail(exc)
            raise
        w.succeed(result)
        return result

    def _stream(self, op: StreamOperation[P], params: P) -> AsyncStream:
        prepared = prepare(op, self._settings, params)
        core = op.open(self._settings, prepared)
        look = _plan(op, self._settings, params, prepared)
        observers = self._settings.observers
        if look is None and not observers:

            async def plain() -> HttpResponse:
                return await self._drive(flow(prepared, True))

            # Not sent here: an async caller starts it by awaiting, entering or iterating the stream.
            return AsyncStream(plain, core, self._drive)
        # A cache or observers: their machinery loads here, not with every call (issue 17).
        from llmkit._observed import ObservedAsyncStream, Watch, watch

        w = Watch(observers) if observers else None

        async def send() -> HttpResponse:
            if w is None:
                return await self._drive(flow(prepared, True))
            # Reported when it is sent (first awaited, entered or iterated), as it is sent then.
            call = w.call or w.begin(op.name, prepared, params, True)
            try:
                return await self._drive(watch(flow(prepared, True), w.observers, call))
            except LLMKitError as exc:
                w.fail(exc)
                raise

        if look is not None:
            return self._cached_stream(look, core, send, w, lambda: _begin_hit(w, op, params, prepared))
        # Not sent here: an async caller starts it by awaiting, entering or iterating the stream.
        if w is None:
            return AsyncStream(send, core, self._drive)
        return ObservedAsyncStream(send, core, self._drive, w)

    def _cached_stream(
        self,
        look: Lookup,
        core: _StreamCore,
        send: Callable[[], Awaitable[HttpResponse]],
        w: Watch | None,
        report_hit: Callable[[], None],
    ) -> AsyncStream:
        from llmkit._observed import ObservedAsyncStream
        from llmkit.cache._replay import replayed_response
        from llmkit.operations import _caching as caching

        # The lookup is I/O too, so it waits with the send for the stream's first await; a
        # resend (a connection lost before the first event) only sends again.
        looked = False

        async def first() -> HttpResponse:
            nonlocal looked
            if looked:
                return await send()
            looked = True
            if look.read and caching.replay_hit(core, look.found(await look.backend.aget(look.key))):
                report_hit()
                stream.cached = True
                stream.after_end = _amark_cached
                return replayed_response(True)
            if look.write:
                caching.record_stream(core)
                stream.after_end = store
            return await send()

        async def store(completion: Completion) -> None:
            data = caching.stream_entry(look, core)
            if data is not None:
                await look.backend.aset(look.key, data, look.ttl)

        stream = (
            AsyncStream(first, core, self._drive)
            if w is None
            else ObservedAsyncStream(first, core, self._drive, w)
        )
        return stream

    async def aclose(self) -> None:
        if self._transport is not None:
            await self._transport.aclose()
            self._transport = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
