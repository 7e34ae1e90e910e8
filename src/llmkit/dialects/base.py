"""The contract every dialect fulfils. Pure: no sockets, no sleeping, no awaiting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from llmkit.types import Message, ResponseFormat, StreamEvent, Tool

if TYPE_CHECKING:
    from llmkit.errors import ProviderError
    from llmkit.providers.spec import ProviderSpec
    from llmkit.types import Citation, Completion, Embeddings, TokenCount
    from llmkit.wire import HttpRequest, HttpResponse


@dataclass(frozen=True, slots=True)
class ForcedTool:
    """``tool_choice`` that forces one named tool."""

    name: str


ToolChoice = str | ForcedTool  # "auto" | "none" | "required" | ForcedTool


@dataclass(slots=True)
class ChatRequest:
    model: str
    messages: Sequence[Message]
    tools: Sequence[Tool] = ()
    tool_choice: ToolChoice | None = None
    response_format: ResponseFormat | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    stop: Sequence[str] = ()
    stream: bool = False
    # Typed provider options (already validated against the spec's option names).
    options: Mapping[str, Any] = field(default_factory=dict)
    extra_body: Mapping[str, Any] | None = None


@dataclass(slots=True)
class EmbedRequest:
    model: str
    inputs: Sequence[str]
    dimensions: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    extra_body: Mapping[str, Any] | None = None


@dataclass(slots=True)
class CallContext:
    """Everything resolved about where a call goes, minus credentials."""

    spec: ProviderSpec
    model: str
    base_url: str
    headers: dict[str, str] = field(default_factory=dict)
    # URL template parameters and other resolved per-call settings (region, api_version, ...).
    params: dict[str, str] = field(default_factory=dict)

    @property
    def provider(self) -> str:
        return self.spec.name

    def __repr__(self) -> str:
        # The headers may hold a caller's own credential (extra_headers=): never shown raw.
        from llmkit._redact import redact_headers, redact_url

        return (
            f"CallContext(provider={self.spec.name!r}, model={self.model!r}, "
            f"base_url={redact_url(self.base_url)!r}, headers={redact_headers(self.headers)}, "
            f"params={self.params})"
        )


class StreamDecoder(Protocol):
    """Turns raw stream bytes into events. One instance per stream."""

    # What the dialect learned from the stream, for the final Completion.
    response_id: str | None
    response_model: str | None
    citations: list[Citation]
    raw_events: list[Any]

    def feed(self, data: bytes) -> list[StreamEvent]:
        """Decode a chunk; may raise a ProviderError for an in-stream error event.

        An error event that follows other events in the same chunk must not cost those events:
        return them and set an ``error`` attribute (or raise it from the next ``feed`` or from
        ``done``); the stream raises it right after, with the events in ``.partial``.
        """
        ...

    @property
    def done(self) -> bool:
        """True once the format's terminator (e.g. ``[DONE]``) has been seen."""
        ...


class Dialect(Protocol):
    name: str
    # Keyword options the dialect understands for every provider that speaks it.
    options: frozenset[str]

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest: ...

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion: ...

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> StreamDecoder: ...

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError: ...

    def build_embed(self, req: EmbedRequest, ctx: CallContext) -> HttpRequest: ...

    def parse_embed(self, resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings: ...

    def build_count_tokens(self, req: ChatRequest, ctx: CallContext) -> HttpRequest | None: ...

    def parse_count_tokens(self, resp: HttpResponse, ctx: CallContext) -> TokenCount: ...


def options_of(options: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """The subset of ``options`` whose keys are in ``names`` and not None."""
    return {k: options[k] for k in names if options.get(k) is not None}
