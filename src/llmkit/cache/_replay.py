"""Streams through the cache: a decoder that records the events a provider sent, and one that
hands back a recorded list, so a hit is the same ``Stream`` with the same events and the same
accumulated Completion."""

from __future__ import annotations

from typing import Any

from llmkit._stream import _StreamCore
from llmkit.dialects.base import StreamDecoder
from llmkit.errors import LLMKitError
from llmkit.types import Citation, StreamEvent
from llmkit.wire import HttpResponse


class Recording:
    """A provider's decoder, with every event it produced kept."""

    __slots__ = ("events", "inner")

    def __init__(self, inner: StreamDecoder) -> None:
        self.inner = inner
        self.events: list[StreamEvent] = []

    def feed(self, data: bytes) -> list[StreamEvent]:
        events = self.inner.feed(data)
        self.events.extend(events)
        return events

    @property
    def error(self) -> LLMKitError | None:
        return self.inner.error

    @property
    def done(self) -> bool:
        return self.inner.done

    @property
    def response_id(self) -> str | None:
        return self.inner.response_id

    @response_id.setter
    def response_id(self, value: str | None) -> None:
        self.inner.response_id = value

    @property
    def response_model(self) -> str | None:
        return self.inner.response_model

    @response_model.setter
    def response_model(self, value: str | None) -> None:
        self.inner.response_model = value

    @property
    def citations(self) -> list[Citation]:
        return self.inner.citations

    @citations.setter
    def citations(self, value: list[Citation]) -> None:
        self.inner.citations = value

    @property
    def raw_events(self) -> list[Any]:
        return self.inner.raw_events

    @raw_events.setter
    def raw_events(self, value: list[Any]) -> None:
        self.inner.raw_events = value

    def entry(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "id": self.response_id,
            "model": self.response_model,
            "citations": list(self.citations),
            "raw": self.raw_events,
        }


class Replay:
    """A recorded stream: every event on the first feed, then done."""

    __slots__ = ("citations", "done", "error", "events", "raw_events", "response_id", "response_model")

    def __init__(self, entry: dict[str, Any]) -> None:
        self.events: list[StreamEvent] = list(entry["events"])
        self.response_id: str | None = entry["id"]
        self.response_model: str | None = entry["model"]
        self.citations: list[Citation] = list(entry["citations"])
        self.raw_events: list[Any] = list(entry["raw"] or [])
        self.error: LLMKitError | None = None
        self.done = False

    def feed(self, data: bytes) -> list[StreamEvent]:
        if self.done:
            return []
        self.done = True
        return self.events


def record(core: _StreamCore) -> None:
    """Make the core keep its events (for the entry written once the stream ends whole)."""
    make = core.new_decoder
    core.new_decoder = lambda: Recording(make())
    core.decoder = Recording(core.decoder)


def recorded(core: _StreamCore) -> dict[str, Any] | None:
    decoder = core.decoder
    return decoder.entry() if isinstance(decoder, Recording) else None


def replay(core: _StreamCore, entry: dict[str, Any]) -> None:
    """Make the core decode the recorded events instead of a provider's bytes."""
    if type(entry) is not dict or set(entry) != {"events", "id", "model", "citations", "raw"}:
        raise TypeError("not a stream entry")
    core.new_decoder = lambda: Replay(entry)
    core.restart()


def replayed_response(is_async: bool) -> HttpResponse:
    """The response a replayed stream reads: one empty chunk, which the Replay decoder answers."""
    if not is_async:
        return HttpResponse(200, {}, b"", chunks=iter((b"",)))

    async def achunks() -> Any:
        yield b""

    return HttpResponse(200, {}, b"", achunks=achunks())
