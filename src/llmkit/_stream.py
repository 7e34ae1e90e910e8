"""Streams: iterate events as they arrive; the accumulated Completion at the end.

The per-chunk work (decode, accumulate) is shared; ``Stream`` and
``AsyncStream`` differ only in how they pull bytes from the transport.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from typing import Any

from llmkit import _constants as C
from llmkit.dialects.base import StreamDecoder
from llmkit.errors import (
    APIConnectionError,
    APITimeoutError,
    LLMKitError,
    ProviderError,
    ResponseTooLargeError,
    StreamInterruptedError,
)
from llmkit.types import (
    CitationsUpdate,
    Completion,
    Finish,
    FinishReason,
    Message,
    Part,
    ReasoningDelta,
    ReasoningPart,
    RefusalDelta,
    StreamEvent,
    TextDelta,
    TextPart,
    ToolCall,
    ToolCallDelta,
    Usage,
    UsageUpdate,
)
from llmkit.wire import HttpResponse


class Accumulator:
    """Folds stream events into a Completion.

    Tool-call deltas are joined by index, except that a delta bringing a new ``id`` to an index
    already in use starts a new call: some servers (Ollama's OpenAI route among them) send
    ``index: 0`` for every call, each with its own id.
    """

    __slots__ = (
        "_open",
        "calls",
        "citations",
        "events",
        "finish",
        "reasoning",
        "redacted",
        "refusal",
        "signature",
        "text",
        "usage",
    )

    def __init__(self) -> None:
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.signature: str | None = None
        self.redacted: list[str] = []
        # Each call as [index, id, name, argument pieces], in arrival order; _open maps an index
        # to the call that deltas without an id at that index continue.
        self.calls: list[list[Any]] = []
        self._open: dict[int, list[Any]] = {}
        self.refusal: list[str] | None = None
        self.usage: Usage | None = None
        self.finish: Finish | None = None
        self.citations: list[Any] = []
        self.events = 0

    def add(self, ev: StreamEvent) -> None:
        self.events += 1
        kind = type(ev)
        if kind is TextDelta:
            self.text.append(ev.text)  # type: ignore[union-attr]
        elif kind is ToolCallDelta:
            assert isinstance(ev, ToolCallDelta)
            slot = self._open.get(ev.index)
            if slot is None or (ev.id and slot[1] and ev.id != slot[1]):
                slot = self._open[ev.index] = [ev.index, ev.id, ev.name, [ev.arguments_delta]]
                self.calls.append(slot)
            else:
                if ev.id and not slot[1]:
                    slot[1] = ev.id
                if ev.name and not slot[2]:
                    slot[2] = ev.name
                slot[3].append(ev.arguments_delta)
        elif kind is RefusalDelta:
            assert isinstance(ev, RefusalDelta)
            if self.refusal is None:
                self.refusal = []
            self.refusal.append(ev.text)
        elif kind is ReasoningDelta:
            assert isinstance(ev, ReasoningDelta)
            self.reasoning.append(ev.text)
            if ev.signature:
                self.signature = ev.signature
            if ev.redacted_data:
                self.redacted.append(ev.redacted_data)
        elif kind is UsageUpdate:
            assert isinstance(ev, UsageUpdate)
            self.usage = _merge_usage(self.usage, ev.usage)
        elif kind is Finish:
            assert isinstance(ev, Finish)
            self.finish = ev
        elif kind is CitationsUpdate:
            assert isinstance(ev, CitationsUpdate)
            self.citations = list(ev.citations)

    def build(self, decoder: StreamDecoder, provider: str, model: str) -> Completion:
        parts: list[Part] = []
        if self.reasoning or self.signature:
            parts.append(ReasoningPart("".join(self.reasoning), self.signature))
        parts.extend(ReasoningPart(redacted_data=d) for d in self.redacted)
        if self.text:
            parts.append(TextPart("".join(self.text)))
        # Sorted by index (a stable sort keeps calls that shared an index in arrival order).
        ordered = sorted(self.calls, key=_index_of)
        calls = tuple(
            ToolCall(slot[1] or f"call_{i}", slot[2] or "", "".join(slot[3]))
            for i, slot in enumerate(ordered)
        )
        finish = self.finish
        reason = finish.reason if finish else (FinishReason.TOOL_CALLS if calls else FinishReason.OTHER)
        return Completion(
            message=Message("assistant", tuple(parts), calls),
            finish_reason=reason,
            usage=self.usage or Usage(),
            model=decoder.response_model or model,
            provider=provider,
            id=decoder.response_id,
            raw_finish_reason=finish.raw_reason if finish else None,
            raw=decoder.raw_events,
            citations=self.citations or list(decoder.citations),
            refusal=None if self.refusal is None else "".join(self.refusal),
        )


def _index_of(slot: list[Any]) -> int:
    index: int = slot[0]
    return index


def _merge_usage(old: Usage | None, new: Usage) -> Usage:
    # Some formats report input tokens at the start and output tokens at the end.
    if old is None:
        return new
    return Usage(
        input_tokens=new.input_tokens or old.input_tokens,
        output_tokens=new.output_tokens or old.output_tokens,
        total_tokens=new.total_tokens if new.input_tokens and new.output_tokens else 0,
        cached_input_tokens=new.cached_input_tokens or old.cached_input_tokens,
        reasoning_tokens=new.reasoning_tokens or old.reasoning_tokens,
        cache_creation_input_tokens=new.cache_creation_input_tokens or old.cache_creation_input_tokens,
    )


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

    def feed(self, chunk: bytes) -> list[StreamEvent]:
        try:
            events = self.decoder.feed(chunk)
        except LLMKitError as exc:  # a provider's error, or a framing one (EventStreamDecodeError)
            if isinstance(exc, ProviderError) and exc.provider is None:
                exc.provider = self.provider
            exc.partial = self.partial()  # type: ignore[attr-defined]
            raise
        if events:
            self.unproductive = 0
        else:
            self.unproductive += len(chunk)
            if self.unproductive > self.max_event_bytes:
                raise self.too_large()
        add = self.acc.add
        for ev in events:
            add(ev)
        # A decoder may report an in-stream error after handing back the events that preceded it.
        error: ProviderError | None = getattr(self.decoder, "error", None)
        if error is not None:
            error.partial = self.partial()
            raise error
        if self.deadline is not None and self.clock() > self.deadline:
            raise self.interrupted(APITimeoutError("total timeout reached while streaming"))
        return events

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
            done = self.decoder.done
        except LLMKitError as exc:  # a dialect may report a pending in-stream error here
            exc.partial = self.partial()  # type: ignore[attr-defined]
            raise
        if not done:
            raise self.interrupted(APIConnectionError("the stream ended before its terminating event"))
        completion = self.partial()
        self.completion = completion
        if self.finalize is not None:
            self.finalize(completion)
        return completion


class Stream:
    """A sync stream of events. Use as an iterator, ideally inside ``with``."""

    def __init__(
        self,
        response: HttpResponse,
        core: _StreamCore,
        resend: Callable[[], HttpResponse] | None = None,
        retries: int = 0,
    ) -> None:
        self._response = response
        self._core = core
        self._iter: Iterator[StreamEvent] | None = None
        # A connection lost before the first event is retried (nothing was yielded yet).
        self._resend = resend
        self._retries = retries

    def __iter__(self) -> Iterator[StreamEvent]:
        if self._iter is None:
            self._iter = self._events()
        return self._iter

    def _events(self) -> Generator[StreamEvent, None, None]:
        core = self._core
        try:
            while True:
                chunks = self._response.chunks
                assert chunks is not None
                try:
                    for chunk in chunks:
                        yield from core.feed(chunk)
                    break
                except StreamInterruptedError:
                    raise
                except APIConnectionError as exc:
                    if self._resend is None or self._retries <= 0 or not core.can_restart(exc):
                        raise core.interrupted(exc) from exc
                    self._retries -= 1
                    self.close()
                    core.restart()
                    self._response = self._resend()
        except GeneratorExit:
            # Only garbage collection closes this generator: the stream was dropped half-read.
            _warn_unclosed(self._response.close is not None, "Stream", "with client.stream(...) as s:")
            raise
        finally:
            self.close()
        core.end()

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
        close = self._response.close
        if close is not None:
            self._response.close = None
            close()

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
        self, send: Callable[[], Awaitable[HttpResponse]], core: _StreamCore, retries: int = 0
    ) -> None:
        # Unlike Stream, nothing is sent until the stream is awaited, entered or iterated.
        self._send = send
        self._core = core
        self._retries = retries
        self._response: HttpResponse | None = None
        self._iter: AsyncIterator[StreamEvent] | None = None

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
        try:
            while True:
                try:
                    async for chunk in response.achunks:
                        for ev in core.feed(chunk):
                            yield ev
                    break
                except StreamInterruptedError:
                    raise
                except APIConnectionError as exc:
                    # Lost before the first event: nothing was yielded, so send again.
                    if self._retries <= 0 or not core.can_restart(exc):
                        raise core.interrupted(exc) from exc
                    self._retries -= 1
                    await self.aclose()
                    core.restart()
                    response = self._response = await self._send()
        except GeneratorExit:
            # Only the loop's finaliser closes this generator: the stream was dropped half-read.
            _warn_unclosed(response.aclose is not None, "AsyncStream", "async with client.stream(...) as s:")
            raise
        finally:
            await self.aclose()
        core.end()

    @property
    def completion(self) -> Completion:
        if self._core.completion is None:
            raise RuntimeError(
                "iterate the stream (or await stream.get_completion()) before reading .completion"
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
        if response is not None and response.aclose is not None:
            close, response.aclose = response.aclose, None
            await close()

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


def _warn_unclosed(still_open: bool, kind: str, how: str) -> None:
    if still_open:
        warnings.warn(
            f"an llmkit {kind} was garbage-collected without being closed; its connection is "
            f"released now. Use `{how}` (or call close) so it is released as soon as you are done",
            ResourceWarning,
            stacklevel=2,
        )
