"""``AsyncDriver``, under ``AsyncClient``: a call's I/O with ``aiohttp``, ``asyncio.sleep`` and a
worker thread for a blocking credential refresh."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Awaitable, Callable, Generator
from typing import TYPE_CHECKING, Any, Self, cast

from llmkit._driver_steps import (
    ACTIONS,
    JOIN_TIMEOUT,
    P,
    R,
    T,
    advance,
    begin_hit,
    cache_plan,
    log,
    log_response,
    observed_hit,
)
from llmkit._resolve import Resolved
from llmkit._retry import Action, Send, Sleep
from llmkit._stream import AsyncStream, _StreamCore
from llmkit.auth.base import Blocking, Join
from llmkit.errors import APITimeoutError, LLMKitError
from llmkit.operations.base import (
    Operation,
    Prepared,
    StreamOperation,
    flow,
    parse_response,
    prepare,
)
from llmkit.operations.settings import ClientOptions, Settings
from llmkit.types import Completion
from llmkit.wire import HttpRequest, HttpResponse

# The cache and observer machinery (llmkit.cache, llmkit.observe, llmkit._observed) loads only
# for a client or call that configures it: a plain first call imports none of it (issue 17).
if TYPE_CHECKING:
    from llmkit._observed import Watch
    from llmkit.cache._lookup import Lookup
    from llmkit.transport.async_http import AsyncTransport


async def _off_loop(action: Blocking) -> Any:
    import asyncio  # imported where used: a sync-only program never loads asyncio (issue 17)

    try:
        return await asyncio.wait_for(asyncio.to_thread(action.fn), action.timeout)
    except TimeoutError:
        pass
    # (The thread runs on to its end; a blocking library call cannot be interrupted.)
    raise APITimeoutError("total timeout reached while refreshing credentials")


async def _joined(action: Join) -> Any:
    import asyncio

    # Shielded: a waiter that gives up must not cancel the refresh the others still wait for.
    try:
        return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(action.future)), action.timeout)
    except TimeoutError:
        pass
    raise APITimeoutError(JOIN_TIMEOUT)


def one_send(r: Resolved) -> bool:
    """Whether the resolved call's flow is ``send_flow`` ending on a 2xx as it came (what the
    plain call's inline first attempt relies on; tests/test_async_fast.py holds it to the flow):
    not a job (``follow_up``: create, then poll), no check of a 2xx body (``in_body_status``)."""
    if getattr(r.dialect, "follow_up", None) is not None:
        return False
    quirks = r.spec.quirks
    return quirks is None or quirks.in_body_status is None


def _answered(flow: Generator[Action, Any, Any], sent: tuple[Any, LLMKitError | None]) -> Any:
    # (Beside _drive, which keeps one advance per kind of step: tests/structure/test_ops_drivers.py.)
    return advance(flow, *sent)


async def _amark_cached(completion: Completion) -> None:
    completion.cached = True


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

    async def _drive(
        self, flow: Generator[Action, Any, T], sent: tuple[Any, LLMKitError | None] | None = None
    ) -> T:
        transport = self._get_transport()
        step = advance(flow, None, None)
        if sent is not None:
            # The first attempt went out already (``_call``'s fast path): its Send, which the flow
            # has just built from the same request, is answered with that attempt's outcome.
            step = _answered(flow, sent)
        while type(step) in ACTIONS:
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
        look = cache_plan(op, s, params, prepared)
        if look is not None:
            return await self._call_cached(op, params, prepared, look)
        if s.observers or op.run is not None:
            return await self._send_call(op, params, prepared)
        # The plain call (no cache, no observers, one flow): one coroutine frame fewer per call,
        # which every suspension of the send would otherwise pass through too.
        r = prepared.resolved
        apply = getattr(r.auth, "apply", None)
        if apply is None or prepared.timeout.total is not None or not one_send(r):
            return parse_response(op, prepared, await self._drive(flow(prepared, False)))
        # Its first attempt inline, as send_flow would make it (a copy of the request, the static
        # credential applied, the call's own timeout: no deadline to split): no flow generator,
        # Send or retry state unless the answer is not a 2xx, when the flow takes over from there.
        req = prepared.request
        attempt = HttpRequest(
            req.method, req.url, dict(req.headers), req.body, req.json, req.ca_bundle, req.client_cert
        )
        try:
            attempt = apply(attempt)
        except LLMKitError:  # a signing credential's failure: raised as the flow raises it
            return parse_response(op, prepared, await self._drive(flow(prepared, False)))
        transport = self._transport or self._get_transport()
        failure: LLMKitError | None = None
        try:
            if not log.isEnabledFor(logging.DEBUG):
                resp = await transport.send(attempt, False, prepared.timeout)
            else:
                started = time.perf_counter()
                resp = await transport.send(attempt, False, prepared.timeout)
                log_response(attempt, resp, started)
        except LLMKitError as exc:
            failure = exc
        if failure is None and 200 <= resp.status < 300:
            return parse_response(op, prepared, resp)
        # Outside the except block, as in _drive: what the flow raises next is not chained to it.
        sent = (resp, None) if failure is None else (None, failure)
        return parse_response(op, prepared, await self._drive(flow(prepared, False), sent))

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
                return cast(R, observed_hit(self._settings, op, params, prepared, hit))
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
        look = cache_plan(op, self._settings, params, prepared)
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
            return self._cached_stream(look, core, send, w, lambda: begin_hit(w, op, params, prepared))
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
