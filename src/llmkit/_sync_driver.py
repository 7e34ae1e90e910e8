"""``SyncDriver``, under ``Client``: a call's I/O with ``httpx2`` and ``time.sleep`` inline."""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, Self, cast

from llmkit._driver_steps import (
    ACTIONS,
    JOIN_TIMEOUT,
    P,
    R,
    T,
    advance,
    cache_plan,
    log,
    log_response,
    observed_hit,
)
from llmkit._retry import Action, Send, Sleep
from llmkit._stream import Stream
from llmkit.auth.base import Blocking, Join
from llmkit.errors import APITimeoutError, ConfigurationError, LLMKitError
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
from llmkit.wire import HttpResponse

# The cache and observer machinery (llmkit.cache, llmkit.observe, llmkit._observed) loads only
# for a client or call that configures it: a plain first call imports none of it (issue 17).
if TYPE_CHECKING:
    from llmkit._observed import Watch
    from llmkit.cache._lookup import Lookup
    from llmkit.transport.sync_http import SyncTransport


def _wait(action: Join) -> Any:
    try:
        return action.future.result(action.timeout)
    except concurrent.futures.TimeoutError:
        pass
    raise APITimeoutError(JOIN_TIMEOUT)


def _mark_cached(completion: Completion) -> None:
    completion.cached = True


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
        while type(step) in ACTIONS:
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
        look = cache_plan(op, self._settings, params, prepared)
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
                return cast(R, observed_hit(self._settings, op, params, prepared, hit))
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
        look = cache_plan(op, self._settings, params, prepared)
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
