"""Putting the trace on a result: ``result.route`` on completions, vectors, rankings, images
and streams, without changing their types (a routed Completion is still a Completion)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from typing import Any, TypeVar

from llmkit._stream import AsyncStream, Stream
from llmkit.errors import ConfigurationError, LLMKitError
from llmkit.router.trace import Answered, RouteTrace, answered_trace
from llmkit.types import Completion, StreamEvent, TextDelta

__all__ = ["AsyncRoutedStream", "RoutedStream", "with_route"]

T = TypeVar("T")
_COPIERS: dict[type, Callable[[Any, RouteTrace | Answered], Any]] = {}


def _route_of(self: Any) -> RouteTrace:
    route = self._route
    if type(route) is tuple:  # the plain route's answer, built on first reading (trace.Answered)
        route = answered_trace(*route)
        object.__setattr__(self, "_route", route)
    return route  # type: ignore[no-any-return]


def _set_route(self: Any, route: RouteTrace) -> None:
    object.__setattr__(self, "_route", route)


# ``route`` on every routed subclass: the trace, or the plain route's tuple until first read.
_ROUTE = property(_route_of, _set_route, doc="The call's decision trace (``RouteTrace``).")


def _copier(cls: type) -> Callable[[Any, RouteTrace | Answered], Any]:
    """A function copying a ``cls`` into its routed subclass (the same name and fields plus a
    ``_route`` slot behind the ``route`` property), made once per type. It is generated
    unrolled, as ``dataclasses`` generates ``__init__``, so the copy costs well under a
    microsecond, not a loop's worth. A class whose
    ``__setattr__`` is the plain one (``Completion``) is copied with plain assignments, which the
    interpreter specialises for slots; a frozen one's fields are written through the slot
    descriptors (which its ``__setattr__`` does not guard), slower but still unrolled."""
    names = [f.name for f in dataclasses.fields(cls)]
    namespace = {"__slots__": ("_route",), "__module__": cls.__module__, "route": _ROUTE}
    sub = type(cls.__name__, (cls,), namespace)
    sub.__qualname__ = cls.__qualname__
    scope: dict[str, Any] = {"_new": object.__new__, "_sub": sub}
    lines = ["def copy(src, trace):", "    out = _new(_sub)"]
    setter: object = cls.__setattr__
    if setter is object.__setattr__:  # not a frozen dataclass's
        lines += [f"    out.{name} = src.{name}" for name in names]
        lines.append("    out._route = trace")
    else:
        for i, name in enumerate(names):
            scope[f"_s{i}"] = getattr(cls, name).__set__
            lines.append(f"    _s{i}(out, src.{name})")
        scope["_route"] = sub._route.__set__  # type: ignore[attr-defined]
        lines.append("    _route(out, trace)")
    lines.append("    return out")
    exec("\n".join(lines), scope)
    copy: Callable[[Any, RouteTrace | Answered], Any] = scope["copy"]
    return copy


def with_route(result: T, trace: RouteTrace | Answered) -> T:
    """``result`` with ``.route`` set (a copy of a frozen or slotted result; others in place).
    ``trace`` may be the plain route's tuple (``trace.Answered``): a copy keeps it until
    ``.route`` is read; a result set in place gets the trace built now."""
    cls = type(result)
    copy = _COPIERS.get(cls)
    if copy is None and dataclasses.is_dataclass(cls) and hasattr(cls, "__slots__"):
        copy = _COPIERS[cls] = _copier(cls)
    if copy is not None:
        return copy(result, trace)  # type: ignore[no-any-return]
    if type(trace) is tuple:
        trace = answered_trace(*trace)
    try:
        object.__setattr__(result, "route", trace)
    except (AttributeError, TypeError):
        pass  # a result that takes no attribute (a list): the trace is only on errors then
    return result


_END = object()


def stream_tokens(completion: Completion | None, estimate: int = 0) -> int:
    """What a stream cost a tpm limit: its usage (the provider's total, else input + output);
    a stream closed or broken before any usage arrived counts ``estimate`` (the prompt's) and
    about a token per four characters of what it produced."""
    if completion is None:
        return estimate
    usage = completion.usage
    if usage is not None:
        counted = usage.total_tokens or usage.input_tokens + usage.output_tokens
        if counted:
            return counted
    produced = len(completion.text) + len(completion.reasoning or "")
    return estimate + (produced + 3) // 4


def _partial(stream: Stream | AsyncStream) -> Completion | None:
    # What arrived before an early close or a failure (the core's accumulator, read once).
    core = stream._core
    if core.completion is not None:
        return core.completion
    try:
        return core.partial()
    except LLMKitError:
        return None


class RoutedStream:
    """A routed ``Stream``: its first event already arrived (a stream falls back only before it).

    ``settle``, when set, is run once with the stream's Completion when it ends, or with what
    arrived when it is closed early or breaks (the router counts it against a tpm limit)."""

    route: RouteTrace

    def __init__(self, stream: Stream, events: Iterator[StreamEvent], first: Any) -> None:
        self._stream = stream
        self._events = events
        self._first = first
        self._iter: Iterator[StreamEvent] | None = None
        self.settle: Callable[[Completion | None], None] | None = None

    def _settle(self, completion: Completion | None) -> None:
        settle, self.settle = self.settle, None
        if settle is not None:
            settle(completion)

    def __iter__(self) -> Iterator[StreamEvent]:
        if self._iter is None:
            self._iter = self._all()
        return self._iter

    def _all(self) -> Generator[StreamEvent, None, None]:
        first, self._first = self._first, _END
        if first is _END:
            return
        yield first
        if self.settle is None:
            yield from self._events
            return
        try:
            yield from self._events
        except LLMKitError:
            self._settle(_partial(self._stream))
            raise
        self._settle(self._stream.completion)

    @property
    def completion(self) -> Completion:
        for _ in self:
            pass
        return self._stream.completion

    def text_stream(self) -> Iterator[str]:
        for ev in self:
            if type(ev) is TextDelta:
                yield ev.text

    def close(self) -> None:
        self._stream.close()
        if self.settle is not None:
            self._settle(_partial(self._stream))

    def __enter__(self) -> RoutedStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_stream(stream: Stream) -> RoutedStream:
    """Wait for the first event (errors before it are the router's to handle)."""
    events = iter(stream)
    try:
        first: Any = next(events)
    except StopIteration:
        first = _END
    except BaseException:
        stream.close()
        raise
    return RoutedStream(stream, events, first)


async def open_async_stream(stream: AsyncStream) -> tuple[AsyncStream, AsyncIterator[StreamEvent], Any]:
    events = stream.__aiter__()
    try:
        first: Any = await events.__anext__()
    except StopAsyncIteration:
        first = _END
    except BaseException:
        await stream.aclose()
        raise
    return stream, events, first


class AsyncRoutedStream:
    """A routed ``AsyncStream``: routing (and its fallbacks) runs when it is awaited, entered or
    iterated, and ends with the first event; ``route`` is there from then on."""

    route: RouteTrace

    def __init__(self, start: Callable[[], Any]) -> None:
        self._start = start
        self._stream: AsyncStream | None = None
        self._events: AsyncIterator[StreamEvent] | None = None
        self._first: Any = _END
        self._iter: AsyncIterator[StreamEvent] | None = None
        # As on RoutedStream; ``start`` may set it (it returns it third).
        self.settle: Callable[[Completion | None], Awaitable[None]] | None = None

    async def _ensure(self) -> None:
        if self._stream is None:
            (self._stream, self._events, self._first), self.route, self.settle = await self._start()

    async def _settle(self, completion: Completion | None) -> None:
        settle, self.settle = self.settle, None
        if settle is not None:
            await settle(completion)

    def __await__(self) -> Generator[Any, None, AsyncRoutedStream]:
        async def started() -> AsyncRoutedStream:
            await self._ensure()
            return self

        return started().__await__()

    def __aiter__(self) -> AsyncIterator[StreamEvent]:
        if self._iter is None:
            self._iter = self._all()
        return self._iter

    async def _all(self) -> AsyncIterator[StreamEvent]:
        await self._ensure()
        first, self._first = self._first, _END
        if first is _END:
            return
        yield first
        assert self._events is not None and self._stream is not None
        try:
            async for ev in self._events:
                yield ev
        except LLMKitError:
            await self._settle(_partial(self._stream))
            raise
        await self._settle(self._stream.completion)

    @property
    def completion(self) -> Completion:
        if self._stream is None:
            raise ConfigurationError(
                "a routed AsyncStream's .completion is only there once the stream was iterated: "
                "`async for ...` over it first, or use `await stream.get_completion()`"
            )
        return self._stream.completion

    async def get_completion(self) -> Completion:
        async for _ in self:
            pass
        assert self._stream is not None
        return self._stream.completion

    async def text_stream(self) -> AsyncIterator[str]:
        async for ev in self:
            if type(ev) is TextDelta:
                yield ev.text

    async def aclose(self) -> None:
        if self._stream is not None:
            await self._stream.aclose()
            if self.settle is not None:
                await self._settle(_partial(self._stream))

    async def __aenter__(self) -> AsyncRoutedStream:
        await self._ensure()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
