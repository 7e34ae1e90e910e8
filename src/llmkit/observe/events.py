"""What an observer is told: one frozen event per moment of a call, every payload redacted.

A client (``Client(callbacks=...)``), a router or the OpenTelemetry observer receive the same
events. Nothing here does I/O; building an event happens only when an observer is registered,
so a client without callbacks pays one attribute test per call.

Redaction: a request's URL goes through ``redact_url`` (credential query values, userinfo), its
headers through ``redact_headers`` (credential headers masked by name, other values scrubbed of
registered secrets and key shapes), and every string of its JSON body through ``redact_text``.
An error is llmkit's own typed error, whose message is scrubbed already.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from llmkit._redact import redact_headers, redact_text, redact_url
from llmkit.errors import ConfigurationError, LLMKitError

log = logging.getLogger("llmkit.observe")

_IDS = itertools.count(1)


def next_call_id() -> int:
    """A process-unique id tying one call's events together (``itertools.count`` is atomic)."""
    return next(_IDS)


@dataclass(frozen=True, slots=True)
class CallInfo:
    """Which call an event belongs to. ``operation`` is the operation's name (``chat``,
    ``embed``, ``rerank``, ``images``, ``count_tokens``); ``provider`` the spec that served it;
    ``model`` the model name as sent (without the ``provider/`` prefix); ``started`` a
    ``time.perf_counter()`` reading; ``cache_hit`` is True when the response cache answered
    (``cache=``): nothing was sent, and a stream's events are the stored ones, replayed."""

    id: int
    operation: str
    provider: str
    model: str
    stream: bool
    started: float
    cache_hit: bool = False


class RequestEvent:
    """The request as first sent (a retry is a ``RetryEvent``), redacted: ``url``, ``headers``
    and ``body`` (the JSON body with every string scrubbed; None for a non-JSON body) are
    redacted when first read, so an observer that reads none of them (OpenTelemetry) pays
    nothing for them. The credential itself is never there: the auth adds it as the request
    goes out. ``options`` are the call's sampling keywords (temperature, max_tokens, ...)."""

    __slots__ = ("_body", "_headers", "_raw", "_url", "call", "method", "options")

    def __init__(
        self,
        call: CallInfo,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: Any,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        self.call = call
        self.method = method
        self.options: Mapping[str, Any] = options or {}
        self._raw: tuple[str, Mapping[str, str], Any] | None = (url, headers, body)
        self._url: str = ""
        self._headers: Mapping[str, str] = {}
        self._body: Any = None

    def _redact(self) -> None:
        raw, self._raw = self._raw, None
        if raw is not None:
            url, headers, body = raw
            self._url, self._headers, self._body = redact_url(url), redact_headers(headers), redact_body(body)

    @property
    def url(self) -> str:
        self._redact()
        return self._url

    @property
    def headers(self) -> Mapping[str, str]:
        self._redact()
        return self._headers

    @property
    def body(self) -> Any:
        self._redact()
        return self._body

    def __repr__(self) -> str:
        return (
            f"RequestEvent(call={self.call!r}, method={self.method!r}, url={self.url!r}, "
            f"headers={self.headers!r}, body={self.body!r}, options={self.options!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled redacted, like its repr.
        return (RequestEvent, (self.call, self.method, self.url, self.headers, self.body, self.options))


@dataclass(frozen=True, slots=True)
class ResponseEvent:
    """The call's result (a Completion, Embeddings, Ranking, Images, TokenCount), once parsed;
    for a stream, the accumulated Completion at its end."""

    call: CallInfo
    result: Any
    duration_s: float
    # Seconds from the start of the call to a stream's first event (None when not streamed).
    time_to_first_event_s: float | None = None


@dataclass(frozen=True, slots=True)
class ErrorEvent:
    """The call failed with this typed error (for a stream, possibly midway)."""

    call: CallInfo
    error: LLMKitError
    duration_s: float


@dataclass(frozen=True, slots=True)
class StreamEventEvent:
    """One event of a stream (``TextDelta``, ``ToolCallDelta``, ``UsageUpdate``, ``Finish``, ...),
    ``index`` counting from 0, ``elapsed_s`` since the call started."""

    call: CallInfo
    event: Any
    index: int
    elapsed_s: float


@dataclass(frozen=True, slots=True)
class RetryEvent:
    """A retry is about to wait ``delay_s`` and send again: ``attempt`` is the number of the
    attempt that will be sent (2 for the first retry); ``reason`` says why (``HTTP 429``,
    ``APIConnectionError``). ``call`` is None when the router, not a client, retries."""

    call: CallInfo | None
    attempt: int
    delay_s: float
    reason: str
    source: str = "client"  # "client" (the retry loop) or "router"


@dataclass(frozen=True, slots=True)
class FallbackEvent:
    """The router leaves one deployment for another: ``from_*`` failed or was skipped for
    ``reason`` (``error``, ``cooldown``, ``context_window``, ``content_policy``, ...), ``to_*``
    is tried next (None when nothing is left). ``trace`` is the router's decision trace so far."""

    group: str
    from_deployment: str | None
    to_group: str | None
    to_deployment: str | None
    reason: str
    error: LLMKitError | None = None
    trace: Any = None


@runtime_checkable
class Observer(Protocol):
    """What a client or router calls. Subclass ``BaseObserver`` (every method a no-op) or build
    ``Callbacks(on_response=...)`` from plain functions."""

    def on_request(self, event: RequestEvent) -> None: ...
    def on_response(self, event: ResponseEvent) -> None: ...
    def on_error(self, event: ErrorEvent) -> None: ...
    def on_stream_event(self, event: StreamEventEvent) -> None: ...
    def on_retry(self, event: RetryEvent) -> None: ...
    def on_fallback(self, event: FallbackEvent) -> None: ...


class BaseObserver:
    """An observer that ignores everything: override the methods you need."""

    def on_request(self, event: RequestEvent) -> None:
        pass

    def on_response(self, event: ResponseEvent) -> None:
        pass

    def on_error(self, event: ErrorEvent) -> None:
        pass

    def on_stream_event(self, event: StreamEventEvent) -> None:
        pass

    def on_retry(self, event: RetryEvent) -> None:
        pass

    def on_fallback(self, event: FallbackEvent) -> None:
        pass


def _ignore(event: Any) -> None:
    pass


@dataclass(frozen=True, slots=True)
class Callbacks:
    """Plain functions as an observer: ``Callbacks(on_response=print)``. A field left out does
    nothing."""

    on_request: Callable[[RequestEvent], None] = _ignore
    on_response: Callable[[ResponseEvent], None] = _ignore
    on_error: Callable[[ErrorEvent], None] = _ignore
    on_stream_event: Callable[[StreamEventEvent], None] = _ignore
    on_retry: Callable[[RetryEvent], None] = _ignore
    on_fallback: Callable[[FallbackEvent], None] = _ignore


_METHODS = ("on_request", "on_response", "on_error", "on_stream_event", "on_retry", "on_fallback")

Observers = tuple[Observer, ...]


def observers_of(callbacks: object) -> Observers:
    """``callbacks=`` as given (None, one observer, or a sequence of them) -> a tuple, checked
    once at construction: every item must have the six ``on_*`` methods."""
    if callbacks is None:
        return ()
    items: Iterable[object] = (
        callbacks if isinstance(callbacks, Sequence) and not isinstance(callbacks, str) else (callbacks,)
    )
    out: list[Observer] = []
    for item in items:
        missing = [m for m in _METHODS if not callable(getattr(item, m, None))]
        if missing:
            raise ConfigurationError(
                f"callbacks must be observers (llmkit.observe.Callbacks(...), a BaseObserver subclass "
                f"or llmkit.observe.OpenTelemetry()); {type(item).__name__} lacks {', '.join(missing)}"
            )
        out.append(item)  # type: ignore[arg-type]
    return tuple(out)


def _emit(observers: Iterable[Observer], method: str, event: object) -> None:
    # An observer's failure is logged, never raised: watching a call must not break it.
    for o in observers:
        try:
            getattr(o, method)(event)
        except Exception:
            log.warning("llmkit observer %s.%s raised", type(o).__name__, method, exc_info=True)


def emit_request(observers: Iterable[Observer], event: RequestEvent) -> None:
    _emit(observers, "on_request", event)


def emit_response(observers: Iterable[Observer], event: ResponseEvent) -> None:
    _emit(observers, "on_response", event)


def emit_error(observers: Iterable[Observer], event: ErrorEvent) -> None:
    _emit(observers, "on_error", event)


def emit_stream_event(observers: Iterable[Observer], event: StreamEventEvent) -> None:
    _emit(observers, "on_stream_event", event)


def emit_retry(observers: Iterable[Observer], event: RetryEvent) -> None:
    """For the router's own retries too (``source="router"``)."""
    _emit(observers, "on_retry", event)


def emit_fallback(observers: Iterable[Observer], event: FallbackEvent) -> None:
    """The router calls this each time it leaves a deployment for another."""
    _emit(observers, "on_fallback", event)


def redact_body(body: Any) -> Any:
    """A JSON value with every string scrubbed of secrets (keys in bodies exist: some gateways
    take theirs there)."""
    if isinstance(body, str):
        return redact_text(body)
    if isinstance(body, Mapping):
        return {k: redact_body(v) for k, v in body.items()}
    if isinstance(body, list | tuple):
        return [redact_body(v) for v in body]
    return body


def request_event(
    call: CallInfo,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: Any,
    options: Mapping[str, Any] | None = None,
) -> RequestEvent:
    """A request's event; URL, headers and body are redacted when first read. The headers are
    copied: the request's own dict gains the credential as it goes out."""
    return RequestEvent(call, method, url, dict(headers), body, options)
