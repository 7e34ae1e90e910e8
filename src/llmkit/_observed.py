"""A call watched by observers (``Client(callbacks=...)``): the events around the drivers' work.

Used only when a client has observers, so a plain call pays one tuple test. The flow is wrapped
(``watch``) rather than changed: every action passes through as it is, and a retry's ``Sleep``
(which says why it waits) is reported on the way. Streams are ``Stream``/``AsyncStream``
subclasses that report each event, then the accumulated Completion or the error.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator
from typing import Any, TypeVar, cast

from llmkit._retry import Action, Send, Sleep
from llmkit._stream import AsyncStream, Stream
from llmkit.auth.base import Blocking, Join
from llmkit.errors import LLMKitError
from llmkit.observe.events import (
    CallInfo,
    ErrorEvent,
    Observers,
    ResponseEvent,
    RetryEvent,
    StreamEventEvent,
    emit_error,
    emit_request,
    emit_response,
    emit_retry,
    emit_stream_event,
    next_call_id,
    request_event,
)
from llmkit.operations.base import Prepared
from llmkit.types import StreamEvent
from llmkit.wire import HttpResponse

T = TypeVar("T")

_ACTIONS = frozenset({Send, Sleep, Blocking, Join})

# Call keywords worth an observer's (and a span's) attention; provider options of the same name too.
OPTION_NAMES = ("temperature", "max_tokens", "top_p", "seed", "stop", "frequency_penalty", "presence_penalty")


class Watch:
    """One observed call: its identity once its request is reported, and whether its end (a result
    or an error) has been reported, so a stream that fails in its send is reported once."""

    __slots__ = ("call", "done", "observers")

    def __init__(self, observers: Observers) -> None:
        self.observers = observers
        self.call: CallInfo | None = None
        self.done = False

    def begin(
        self, operation: str, prepared: Prepared[Any], params: Any, stream: bool, cache_hit: bool = False
    ) -> CallInfo:
        """The call's identity, and its request reported (redacted): a cache hit's too, as the
        request it answered, so an observer counts every call the caller made."""
        r = prepared.resolved
        model = getattr(prepared.req, "model", None)
        if not isinstance(model, str):
            model = params.model.partition("/")[2] or params.model
        call = self.call = CallInfo(
            next_call_id(), operation, r.spec.name, model, stream, time.perf_counter(), cache_hit
        )
        req = prepared.request
        emit_request(
            self.observers, request_event(call, req.method, req.url, req.headers, req.json, _options(params))
        )
        return call

    def succeed(self, result: Any, first: float | None = None) -> None:
        call = self.call
        if self.done or call is None:
            return
        self.done = True
        ttfe = None if first is None else first - call.started
        emit_response(self.observers, ResponseEvent(call, result, time.perf_counter() - call.started, ttfe))

    def fail(self, error: LLMKitError) -> None:
        call = self.call
        if self.done or call is None:
            return
        self.done = True
        emit_error(self.observers, ErrorEvent(call, error, time.perf_counter() - call.started))

    def event(self, ev: StreamEvent, index: int, now: float) -> None:
        call = self.call
        if call is not None:
            emit_stream_event(self.observers, StreamEventEvent(call, ev, index, now - call.started))


def _options(params: Any) -> dict[str, Any]:
    options: dict[str, Any] = {}
    extra = getattr(params, "provider_options", None) or {}
    for name in OPTION_NAMES:
        value = getattr(params, name, None)
        if value is None:
            value = extra.get(name)
        if value is not None:
            options[name] = value
    return options


def watch(flow: Generator[Action, Any, T], observers: Observers, call: CallInfo) -> Generator[Action, Any, T]:
    """``flow`` as it is, with each retry it waits for reported first."""
    result: Any = None
    error: LLMKitError | None = None
    attempt = 1
    while True:
        try:
            step = flow.send(result) if error is None else flow.throw(error)
        except StopIteration as done:
            value: T = done.value
            return value
        if type(step) is Sleep and step.reason is not None:
            attempt += 1
            emit_retry(observers, RetryEvent(call, attempt, step.seconds, step.reason))
        try:
            result, error = (yield step), None
        except LLMKitError as exc:
            result, error = None, exc


class ObservedStream(Stream):
    """A ``Stream`` that reports its events, its end and its failure."""

    def __init__(
        self,
        response: HttpResponse,
        core: Any,
        resend: Callable[[], HttpResponse],
        run: Callable[[Any], Any] | None,
        watched: Watch,
    ) -> None:
        super().__init__(response, core, resend, run)
        self._watched = watched

    def _events(self) -> Generator[StreamEvent, None, None]:
        w = self._watched
        inner = super()._events()
        first: float | None = None
        index = 0
        try:
            for ev in inner:
                now = time.perf_counter()
                first = now if first is None else first
                w.event(ev, index, now)
                index += 1
                yield ev
        except LLMKitError as exc:
            w.fail(exc)
            raise
        finally:
            inner.close()  # a dropped stream closes (and warns) as it would unobserved
        w.succeed(self._core.completion, first)


class ObservedAsyncStream(AsyncStream):
    """An ``AsyncStream`` that reports its events, its end and its failure (its send's is
    reported by the send the driver wraps)."""

    def __init__(
        self,
        send: Callable[[], Awaitable[HttpResponse]],
        core: Any,
        run: Callable[[Any], Awaitable[Any]] | None,
        watched: Watch,
    ) -> None:
        super().__init__(send, core, run)
        self._watched = watched

    async def _events(self) -> AsyncIterator[StreamEvent]:
        w = self._watched
        inner = cast(AsyncGenerator[StreamEvent, None], super()._events())
        first: float | None = None
        index = 0
        try:
            async for ev in inner:
                now = time.perf_counter()
                first = now if first is None else first
                w.event(ev, index, now)
                index += 1
                yield ev
        except LLMKitError as exc:
            w.fail(exc)
            raise
        finally:
            await inner.aclose()
        w.succeed(self._core.completion, first)
