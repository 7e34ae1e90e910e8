"""Streams: iterate events as they arrive; the accumulated Completion at the end.

The per-chunk work (decode, accumulate) and every decision (interrupted or sent again, the end)
are ``_StreamCore``'s; ``Stream`` and ``AsyncStream`` differ only in how they pull bytes from the
transport and release the connection.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from typing import Any

from llmkit import _constants as C
from llmkit._accumulate import Accumulator as Accumulator
from llmkit._guard import check_completion, decode_error, scrubbed
from llmkit.dialects.base import StreamDecoder
from llmkit.errors import (
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    LLMKitError,
    ProviderError,
    ResponseTooLargeError,
    StreamInterruptedError,
)
from llmkit.types import Completion, StreamEvent, TextDelta
from llmkit.wire import HttpResponse


class _StreamCore:
    """The I/O-free part shared by Stream and AsyncStream."""

    def __init__(
        self,
        new_decoder: Callable[[], StreamDecoder],
        provider: str,
        model: str,
        finalize: Callable[[Completion], None] | None,
        deadline: float | None,
        clock: Callable[[], float],
        *,
        max_event_bytes: int = C.MAX_RESPONSE_BYTES,
        resend_after_cut: bool = False,
        retries: int = 0,
    ) -> None:
        self.new_decoder = new_decoder
        self.decoder = new_decoder()
        self.acc = Accumulator()
        self.provider = provider
        self.model = model
        self.finalize = finalize
        self.deadline = deadline
        self.clock = clock
        self.completion: Completion | None = None
        # Bytes fed since the decoder last produced an event: whatever the framing (SSE, AWS
        # event stream, a dialect's own), one event can never grow past the client's cap.
        self.max_event_bytes = max_event_bytes
        self.unproductive = 0
        # A stream cut after the request reached the server is re-sent only on the caller's
        # opt-in (Client(retry_sent_requests=True)): the provider may have run and billed it.
        self.resend_after_cut = resend_after_cut
        # How many times a stream lost before its first event may be sent again.
        self.retries = retries

    def feed(self, chunk: bytes) -> list[StreamEvent]:
        try:
            events = self.decoder.feed(chunk)
            add = self.acc.add
            for ev in events:
                add(ev)
        except ProviderError as exc:
            if exc.provider is None:
                exc.provider = self.provider
            exc.partial = self.partial()
            raise scrubbed(exc, self.provider)
        except LLMKitError as exc:  # a framing error (EventStreamDecodeError, say) keeps what came
            exc.partial = self.partial()  # type: ignore[attr-defined]
            raise scrubbed(exc, self.provider)
        except Exception as exc:  # the boundary guard: a drifted event is a typed error (see _guard)
            err = decode_error(exc, "stream event", self.provider, chunk)
        else:
            if events:
                self.unproductive = 0
            else:
                self.unproductive += len(chunk)
                if self.unproductive > self.max_event_bytes:
                    raise self.too_large()
            # A decoder may report an in-stream error after handing back the events that preceded it.
            error = self.decoder.error
            if error is not None:
                # Named like an error raised straight out of feed: a framing error (the AWS event
                # stream's, met after good frames of the same read) does not know the provider.
                if isinstance(error, ProviderError) and error.provider is None:
                    error.provider = self.provider
                error.partial = self.partial()  # type: ignore[attr-defined]
                raise scrubbed(error, self.provider)
            if self.deadline is not None and self.clock() > self.deadline:
                raise self.interrupted(APITimeoutError("total timeout reached while streaming"))
            return events
        # Raised outside the handler so that the bare exception (which may quote the body) is not
        # kept as __context__.
        raise err

    def too_large(self) -> ResponseTooLargeError:
        err = ResponseTooLargeError(
            f"a stream event grew past the {self.max_event_bytes}-byte cap; raise "
            "Client(max_response_bytes=...) if this is expected",
            status_code=200,
            provider=self.provider,
            model=self.model,
        )
        err.limit = self.max_event_bytes
        err.partial = self.partial()
        return err

    def can_restart(self, cause: APIConnectionError) -> bool:
        """Nothing was yielded yet, so the request may be sent again without losing or repeating
        output; and either the server cannot have run it, or the caller accepts that risk."""
        return self.acc.events == 0 and (cause.before_send or self.resend_after_cut)

    def recover(self, cause: APIConnectionError) -> None:
        """The connection broke while reading: raise StreamInterruptedError, unless the request may
        be sent again (then the decoder starts afresh and the caller sends it)."""
        if self.retries <= 0 or not self.can_restart(cause):
            raise self.interrupted(cause) from cause
        self.retries -= 1
        self.restart()

    def restart(self) -> None:
        self.decoder = self.new_decoder()
        self.acc = Accumulator()
        self.unproductive = 0

    def partial(self) -> Completion:
        return self.acc.build(self.decoder, self.provider, self.model)

    def interrupted(self, cause: APIConnectionError) -> StreamInterruptedError:
        err = StreamInterruptedError(
            f"stream interrupted after {self.acc.events} events: {cause.message}",
            partial=self.partial(),
            events_received=self.acc.events,
            provider=self.provider,
            model=self.model,
        )
        # Chained to llmkit's own error only (transports never chain to their library's exception).
        err.__cause__ = cause
        return err

    def end(self) -> Completion:
        try:
            if not self.decoder.done:
                raise self.interrupted(APIConnectionError("the stream ended before its terminating event"))
            completion = check_completion(self.partial())
        except ProviderError as exc:  # a dialect may report a pending in-stream error here
            if exc.partial is None:
                exc.partial = self.partial()
            raise scrubbed(exc, self.provider)
        except LLMKitError as exc:
            if getattr(exc, "partial", None) is None:
                exc.partial = self.partial()  # type: ignore[attr-defined]
            raise scrubbed(exc, self.provider)
        except Exception as exc:
            failed = decode_error(exc, "end of stream", self.provider, None)
        else:
            self.completion = completion
            if self.finalize is not None:
                self.finalize(completion)
            return completion
        raise failed


class Stream:
    """A sync stream of events. Use as an iterator, ideally inside ``with``."""

    def __init__(
        self,
        response: HttpResponse,
        core: _StreamCore,
        resend: Callable[[], HttpResponse],
        run: Callable[[Any], Any] | None = None,
    ) -> None:
        self._response = response
        self._core = core
        self._iter: Iterator[StreamEvent] | None = None
        # A connection lost before the first event is retried (nothing was yielded yet).
        self._resend = resend
        # The driver's flow runner, for the response's on_early_close (a job's cancel).
        self._run = run
        self._ended = False
        # True when the events are a response cache's replay (``cache=``), not a provider's.
        self.cached = False
        # Run with the Completion once the stream ended whole (the response cache stores it).
        self.after_end: Callable[[Completion], None] | None = None

    def __iter__(self) -> Iterator[StreamEvent]:
        if self._iter is None:
            self._iter = self._events()
        return self._iter

    def _events(self) -> Generator[StreamEvent, None, None]:
        core = self._core
        chunks: Iterator[bytes] | None = None
        try:
            while True:
                chunks = self._response.chunks
                assert chunks is not None
                try:
                    for chunk in chunks:
                        yield from core.feed(chunk)
                    self._ended = True
                    break
                except StreamInterruptedError:
                    raise
                except APIConnectionError as exc:
                    core.recover(exc)
                    self.close()
                    self._response = self._resend()
        except GeneratorExit:
            # Only garbage collection closes this generator: the stream was dropped half-read.
            _warn_unclosed(self._response.close is not None, "Stream", "with client.stream(...) as s:")
            raise
        finally:
            _close_chunks(chunks)
            self.close()
        completion = core.end()
        if self.after_end is not None:
            self.after_end(completion)

    @property
    def completion(self) -> Completion:
        """The accumulated result; reading it consumes whatever has not been iterated yet."""
        if self._core.completion is None:
            for _ in self:
                pass
        assert self._core.completion is not None
        return self._core.completion

    def text_stream(self) -> Iterator[str]:
        for ev in self:
            if type(ev) is TextDelta:
                yield ev.text

    def close(self) -> None:
        response = self._response
        close = response.close
        if close is not None:
            response.close = None
            close()
        hook, response.on_early_close = response.on_early_close, None
        if hook is not None and not self._ended and self._run is not None:
            try:
                self._run(hook())
            except LLMKitError:
                pass  # best effort: closing must not raise for the provider's sake

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        # A stream dropped without close() would hold its pooled connection forever.
        response = getattr(self, "_response", None)
        if response is not None and response.close is not None:
            _warn_unclosed(True, "Stream", "with client.stream(...) as s:")
            try:
                self.close()
            except Exception:  # pragma: no cover - best effort inside a finaliser
                pass


class AsyncStream:
    """An async stream of events: ``async for``, ``async with``, or ``await`` to start it."""

    def __init__(
        self,
        send: Callable[[], Awaitable[HttpResponse]],
        core: _StreamCore,
        run: Callable[[Any], Awaitable[Any]] | None = None,
    ) -> None:
        # Unlike Stream, nothing is sent until the stream is awaited, entered or iterated.
        self._send = send
        self._core = core
        self._response: HttpResponse | None = None
        self._iter: AsyncIterator[StreamEvent] | None = None
        self._run = run
        self._ended = False
        # As on Stream: a response cache's replay, and the hook run with the whole Completion.
        self.cached = False
        self.after_end: Callable[[Completion], Awaitable[None]] | None = None

    async def _ensure(self) -> tuple[HttpResponse, _StreamCore]:
        if self._response is None:
            self._response = await self._send()
        return self._response, self._core

    def __await__(self) -> Generator[Any, None, AsyncStream]:
        async def started() -> AsyncStream:
            await self._ensure()
            return self

        return started().__await__()

    def __aiter__(self) -> AsyncIterator[StreamEvent]:
        if self._iter is None:
            self._iter = self._events()
        return self._iter

    async def _events(self) -> AsyncIterator[StreamEvent]:
        response, core = await self._ensure()
        achunks: Any = None
        try:
            while True:
                try:
                    achunks = response.achunks
                    async for chunk in achunks:
                        for ev in core.feed(chunk):
                            yield ev
                    self._ended = True
                    break
                except StreamInterruptedError:
                    raise
                except APIConnectionError as exc:
                    core.recover(exc)
                    await self.aclose()
                    response = self._response = await self._send()
        except GeneratorExit:
            # Only the loop's finaliser closes this generator: the stream was dropped half-read.
            _warn_unclosed(response.aclose is not None, "AsyncStream", "async with client.stream(...) as s:")
            raise
        finally:
            await _aclose_chunks(achunks)
            await self.aclose()
        completion = core.end()
        if self.after_end is not None:
            await self.after_end(completion)

    @property
    def completion(self) -> Completion:
        if self._core.completion is None:
            # A caller's mistake, typed like the rest: an async property cannot drain the stream.
            raise ConfigurationError(
                "an AsyncStream's .completion is only there once the stream was iterated: "
                "`async for ...` over it first, or use `await stream.get_completion()`"
            )
        return self._core.completion

    async def get_completion(self) -> Completion:
        async for _ in self:
            pass
        return self.completion

    async def text_stream(self) -> AsyncIterator[str]:
        async for ev in self:
            if type(ev) is TextDelta:
                yield ev.text

    async def aclose(self) -> None:
        response = self._response
        if response is None:
            return
        if response.aclose is not None:
            close, response.aclose = response.aclose, None
            await close()
        hook, response.on_early_close = response.on_early_close, None
        if hook is not None and not self._ended and self._run is not None:
            # Also when the task iterating the stream was cancelled: its job is cancelled too.
            try:
                await self._run(hook())
            except LLMKitError:
                pass

    async def __aenter__(self) -> AsyncStream:
        await self._ensure()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __del__(self) -> None:
        # A finaliser cannot await: release the connection with the transport's sync close.
        response = getattr(self, "_response", None)
        if response is not None and response.aclose is not None:
            _warn_unclosed(True, "AsyncStream", "async with client.stream(...) as s:")
            response.aclose = None
            close = response.close
            if close is not None:
                try:
                    close()
                except Exception:  # pragma: no cover - e.g. its event loop is already closed
                    pass


# The transport's chunk generator, left suspended when a stream ends early (a decode error, an
# in-stream error, the size cap), is closed when the stream's own generator ends, not left to
# garbage collection: an error's traceback keeps it in a reference cycle, and the collector may
# finalise it at any later allocation, even deep inside a C recursion such as json decoding an
# event nested 100,000 deep, where its finaliser (asyncio's finalizer hook for an async generator,
# the except clauses for a sync one) hits RecursionError and Python reports an unraisable
# exception (tests/review11/test_stream_cleanup.py).
def _close_chunks(chunks: object) -> None:
    close = getattr(chunks, "close", None)
    if close is not None:
        close()


async def _aclose_chunks(chunks: object) -> None:
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        await aclose()


def _warn_unclosed(still_open: bool, kind: str, how: str) -> None:
    if still_open:
        warnings.warn(
            f"an llmkit {kind} was garbage-collected without being closed; its connection is "
            f"released now. Use `{how}` (or call close) so it is released as soon as you are done",
            ResourceWarning,
            stacklevel=2,
        )
