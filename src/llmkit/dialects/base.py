"""The contracts a dialect fulfils. Pure: no sockets, no sleeping, no awaiting.

Every dialect is a ``ChatDialect``. The other operations are optional protocols a dialect
implements only where its wire format has them (``EmbedDialect``, ``CountTokensDialect``,
``ImagesDialect``, ``RerankDialect``); a spec declares the capability (``embeddings``,
``count_tokens``, ``images``, ``rerank``) only where the provider has the endpoint, and the
registry refuses a spec whose dialect lacks a method its capabilities need
(``llmkit.dialects.missing_methods``). ``llmkit.dialects.operation`` hands the operations layer
the typed protocol, or None.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from llmkit.types import Message, ResponseFormat, StreamEvent, Tool

if TYPE_CHECKING:
    from llmkit.errors import LLMKitError, ProviderError
    from llmkit.images import Images, InputImage
    from llmkit.providers.spec import ProviderSpec
    from llmkit.ranking import Document, Ranking
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
    """One embeddings request (one batch of the call's inputs: ``embed`` splits past the spec's
    ``EmbeddingSpec`` limits). ``input_type`` and ``encoding`` are the provider's WIRE values,
    already mapped from the normalised ``input_type=``/``encoding=`` through the spec's
    ``EmbeddingSpec`` and checked (None: the caller gave none; a dialect sends its default, floats,
    and no input type). ``input_type_name``/``encoding_name`` keep the normalised names for a
    dialect whose parser needs them (``base64`` decodes to floats)."""

    model: str
    inputs: Sequence[str]
    dimensions: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    extra_body: Mapping[str, Any] | None = None
    input_type: str | None = None
    encoding: str | None = None
    input_type_name: str | None = None
    encoding_name: str | None = None


# The parameters of ``generate_image`` a dialect may support, in signature order. A dialect's
# ``image_parameters`` names the ones a model takes; any other one given is refused before sending.
IMAGE_PARAMETERS: tuple[str, ...] = (
    "n",
    "size",
    "aspect_ratio",
    "negative_prompt",
    "seed",
    "output_format",
    "quality",
    "style",
    "image",
    "mask",
    "strength",
)


@dataclass(slots=True)
class ImageRequest:
    """Image generation (issue 12). A parameter the caller left out is None (``n`` is 1 unless
    given). ``images`` are the input images of an edit or variation (``image=``, one or several),
    already read and typed; ``mask`` likewise. ``given`` names the parameters the caller set,
    so a dialect can tell a default from a choice."""

    model: str
    prompt: str
    n: int = 1
    size: str | None = None
    aspect_ratio: str | None = None
    negative_prompt: str | None = None
    seed: int | None = None
    output_format: str | None = None
    quality: str | None = None
    style: str | None = None
    images: Sequence[InputImage] = ()
    mask: InputImage | None = None
    strength: float | None = None
    given: frozenset[str] = frozenset()
    options: Mapping[str, Any] = field(default_factory=dict)
    extra_body: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ImagePoll:
    """What ``parse_images`` returns for a job still running on the provider (a Replicate
    prediction, an async upscale): the request to send after ``delay`` seconds (on the same host
    as the API: the dialect checks, since the poll is signed with the call's credential), the
    job's ``status`` for the progress callback, and the request that cancels it (sent when the
    call gives up on its deadline). The answer to ``request`` goes to
    ``parse_images`` again, until it returns ``Images``."""

    request: HttpRequest
    delay: float
    status: str = "pending"
    cancel: HttpRequest | None = None
    # Backoff, applied by the operation (which counts the polls; the dialect keeps no state):
    # the n-th wait is ``min(delay * backoff ** n, max_delay)``, n from 0.
    backoff: float = 1.0
    max_delay: float = 30.0


@dataclass(slots=True)
class RerankRequest:
    """Reranking: ``documents`` (strings or dicts, ``llmkit.ranking.Document``; a format that
    takes strings only sends a dict through ``llmkit.ranking.document_text``) ordered by
    relevance to ``query``. ``top_n`` None means every document; ``return_documents`` asks the
    provider to echo the documents where it can (the operation fills ``document`` from the
    input by index otherwise, so a dialect need not)."""

    model: str
    query: str
    documents: Sequence[Document]
    top_n: int | None = None
    return_documents: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)
    extra_body: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Quirks:
    """What shared code may read from any spec's quirks. Each dialect subclasses it with the
    fields its format varies on (``OpenAIQuirks``, ``AnthropicQuirks``, ``GeminiQuirks``, ...);
    ``ProviderSpec.quirks`` holds one of them, of its dialect's ``quirks_type``, or None."""

    # Provider keyword options accepted on top of the dialect's and the spec's own.
    extra_options: frozenset[str] = frozenset()
    # A server that reports failures inside a 2xx body (MiniMax's ``base_resp``): given the decoded
    # body, the HTTP status the failure stands for, or None for a real answer. The retry flow
    # treats such an answer as that status (typed error, retried when that status is); None for
    # the usual provider, whose 2xx bodies are never looked at before parsing.
    in_body_status: Callable[[Any], int | None] | None = None


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
    """Turns raw stream bytes into events. One instance per stream.

    In-stream errors. A decoder reports an error event (or a broken frame) in one of two ways:

    * raise it from ``feed`` when no events precede it in that chunk;
    * otherwise return the events before it and set ``error``: the stream reads ``error`` after
      every ``feed`` and raises it at once, with those events in ``.partial``. A decoder may also
      raise a pending error from its next ``feed`` or from ``done``.

    ``error`` is None until then. Every decoder has it (a plain attribute or a property).
    """

    # What the dialect learned from the stream, for the final Completion.
    response_id: str | None
    response_model: str | None
    citations: list[Citation]
    raw_events: list[Any]

    @property
    def error(self) -> LLMKitError | None:
        """An in-stream error met after other events of the same chunk, or None."""
        ...

    def feed(self, data: bytes) -> list[StreamEvent]:
        """Decode a chunk; may raise a ProviderError for an in-stream error event (see above)."""
        ...

    @property
    def done(self) -> bool:
        """True once the format's terminator (e.g. ``[DONE]``) has been seen."""
        ...


class ChatDialect(Protocol):
    """What every dialect has: chat, streamed chat, and its error bodies."""

    name: str
    # Keyword options the dialect understands for every provider that speaks it.
    options: frozenset[str]

    @property
    def quirks_type(self) -> type[Quirks]:
        """The class of ``ProviderSpec.quirks`` this dialect reads (checked at registration);
        a class attribute in every dialect."""
        ...

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest: ...

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion: ...

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> StreamDecoder: ...

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError: ...


# Every dialect is a chat dialect; the name older imports use.
Dialect = ChatDialect


class EmbedDialect(Protocol):
    """A wire format with an embeddings endpoint (capability ``embeddings``)."""

    def build_embed(self, req: EmbedRequest, ctx: CallContext) -> HttpRequest: ...

    def parse_embed(self, resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings: ...


class CountTokensDialect(Protocol):
    """A wire format with an exact token-counting endpoint (capability ``count_tokens``)."""

    def build_count_tokens(self, req: ChatRequest, ctx: CallContext) -> HttpRequest: ...

    def parse_count_tokens(self, resp: HttpResponse, ctx: CallContext) -> TokenCount: ...


class ImagesDialect(Protocol):
    """A wire format that generates images (capability ``images``).

    ``image_parameters(model, ctx)`` names the ``IMAGE_PARAMETERS`` that model takes (read from
    the spec's quirks where providers of the format differ): the operation refuses any other one
    the caller gave with a ConfigurationError naming these, before anything is sent.
    ``build_images`` returns a JSON body, or a multipart one (``llmkit.framing.multipart.encode``:
    body bytes and the ``content-type`` with its boundary; ``HttpRequest.json`` left None), and
    sets ``accept`` when the format lets it choose (``image/*`` for raw bytes).
    ``parse_images`` gets the whole response, headers included (a raw-bytes answer carries its
    seed and finish reason there), and returns ``Images`` (each filtered image with
    ``finish_reason`` CONTENT_FILTER: the operation raises ContentFilteredError unless the caller
    passed ``keep_filtered=True``), or an ``ImagePoll`` for a job still running.
    """

    def image_parameters(self, model: str, ctx: CallContext) -> frozenset[str]: ...

    def build_images(self, req: ImageRequest, ctx: CallContext) -> HttpRequest: ...

    def parse_images(self, resp: HttpResponse, req: ImageRequest, ctx: CallContext) -> Images | ImagePoll: ...


class RerankDialect(Protocol):
    """A wire format that reranks documents (capability ``rerank``).

    ``parse_rerank`` returns a ``Ranking`` whose results are best first, each ``index`` a
    position in ``req.documents``; the boundary (``_guard.parse_rerank``) refuses an index out of
    range, a repeated one, or a score that is not a number, as a ResponseDecodeError.
    """

    def build_rerank(self, req: RerankRequest, ctx: CallContext) -> HttpRequest: ...

    def parse_rerank(self, resp: HttpResponse, req: RerankRequest, ctx: CallContext) -> Ranking: ...


# Capability flag -> the methods a dialect needs to serve it. Data, read by the registration
# check and by ``llmkit.dialects.operation``; capabilities not listed need only chat.
OPERATION_METHODS: Mapping[str, tuple[str, ...]] = {
    "chat": ("build_chat", "parse_chat", "stream_decoder", "parse_error"),
    "embeddings": ("build_embed", "parse_embed"),
    "count_tokens": ("build_count_tokens", "parse_count_tokens"),
    "images": ("image_parameters", "build_images", "parse_images"),
    "rerank": ("build_rerank", "parse_rerank"),
}


@dataclass(frozen=True, slots=True)
class FollowUp:
    """The next request of a call that runs as a job (create, then poll or stream): sent
    ``delay`` seconds after the previous answer, streamed when ``stream`` (the last request of a
    streamed call). ``cancel``, when set, is sent (best effort) if the call's deadline passes
    before the job ends. Built by a ``JobDialect``; the operations layer carries it out as Sleep
    and Send actions of the same flow (``llmkit.operations._jobs``)."""

    request: HttpRequest
    delay: float = 0.0
    stream: bool = False
    cancel: HttpRequest | None = None
    # What the job is, for the timeout's message ("prediction abc123").
    what: str = "the job"


class JobDialect(Protocol):
    """A wire format whose calls are jobs (Replicate's predictions): after each 2xx answer it
    says what to send next, or None when that answer is the one to parse. ``step`` counts the
    answers so far (1 for the first); ``stream`` is whether the call is a stream. ``req`` is the
    call's dialect request: a dialect answers None for an operation that polls by a protocol of
    its own (``generate_image``'s ``ImagePoll``). The first request of a job is never streamed."""

    def follow_up(
        self, resp: HttpResponse, req: Any, step: int, stream: bool, ctx: CallContext
    ) -> FollowUp | None: ...
