"""The exception hierarchy. Every error llmkit raises is an ``LLMKitError``.

::

    LLMKitError
    ├── ConfigurationError          raised before any network: unknown provider, missing key
    │   └── NotSupportedError       the provider cannot do what was asked
    ├── ToolArgumentsError          a tool call's arguments are not valid JSON
    ├── StructuredOutputError       the output does not match the requested schema
    │   └── RefusalError            the model refused instead (``refusal`` holds its words)
    ├── ResponseDecodeError         a body or stream event that is not what the dialect expects
    └── ProviderError               anything that came back from (or failed on the way to) a provider
        ├── AuthenticationError            401 (or the provider's own bad-key code)
        ├── PermissionDeniedError          403
        ├── NotFoundError                  404, unknown model
        ├── BadRequestError                400, 413, 422
        │   ├── ContextWindowExceededError the prompt does not fit
        │   └── ContentFilteredError       refused by the provider's safety system
        ├── RateLimitError                 429 (``retry_after`` in seconds)
        ├── RedirectError                  3xx: redirects are never followed (``location``)
        ├── ResponseTooLargeError          a body, event or frame past the size cap
        ├── ServerError                    5xx
        │   └── OverloadedError            529 / overloaded
        ├── APIConnectionError             nothing usable came back
        │   ├── APITimeoutError
        │   └── StreamInterruptedError     the stream broke; ``partial`` keeps what arrived
        └── PredictionFailedError          a job (a Replicate prediction) ended failed or canceled

Classification is by HTTP status and the provider's error type/code fields
(done in each dialect), never by matching the message text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmkit._redact import redact_text

if TYPE_CHECKING:
    from llmkit.types import Completion

__all__ = [
    "APIConnectionError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ContentFilteredError",
    "ContextWindowExceededError",
    "LLMKitError",
    "NotFoundError",
    "NotSupportedError",
    "OverloadedError",
    "PermissionDeniedError",
    "ProviderError",
    "RateLimitError",
    "RedirectError",
    "RefusalError",
    "ResponseTooLargeError",
    "ResponseDecodeError",
    "ServerError",
    "StructuredOutputError",
    "StreamInterruptedError",
    "ToolArgumentsError",
    "PredictionFailedError",
    "StateBackendError",
]

_BODY_EXCERPT = 2000


class LLMKitError(Exception):
    """Root of every llmkit exception."""

    def __init__(self, message: str) -> None:
        message = redact_text(message)
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigurationError(LLMKitError):
    """The call cannot be made as configured (raised before any network I/O)."""


class NotSupportedError(ConfigurationError):
    """The provider or dialect does not support the requested feature."""


class ToolArgumentsError(LLMKitError):
    """A tool call's arguments could not be decoded as a JSON object."""

    def __init__(self, message: str, *, raw_arguments: str = "") -> None:
        super().__init__(message)
        self.raw_arguments = redact_text(raw_arguments)


class StructuredOutputError(LLMKitError):
    """Structured output was asked for, and the model's text does not parse or validate.

    ``completion`` holds the full result, so nothing is lost.
    """

    completion: Completion | None = None


class RefusalError(StructuredOutputError):
    """Structured output was asked for and the model refused; ``refusal`` is what it said."""

    def __init__(self, message: str, *, refusal: str = "") -> None:
        super().__init__(message)
        self.refusal = refusal


class ResponseDecodeError(LLMKitError):
    """A response body or stream frame could not be decoded."""

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        snippet: bytes | str | None = None,
    ) -> None:
        if snippet is not None:
            text = snippet.decode("utf-8", "replace") if isinstance(snippet, bytes) else snippet
            message = f"{message} (near: {text[:200]!r})"
        super().__init__(message)
        self.provider = provider


class ProviderError(LLMKitError):
    """An error reported by a provider, or met on the way to it."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        provider: str | None = None,
        model: str | None = None,
        request_id: str | None = None,
        body: Any = None,
        error_type: str | None = None,
        error_code: str | None = None,
        attempts: int = 1,
    ) -> None:
        prefix = f"[{provider}] " if provider else ""
        status = f"HTTP {status_code}: " if status_code else ""
        super().__init__(f"{prefix}{status}{message}")
        self.status_code = status_code
        self.provider = provider
        self.model = model
        self.request_id = _redact_str(request_id)
        self.body = _redact_body(body)
        # Providers put free text in these too; they are scrubbed like the message.
        self.error_type = _redact_str(error_type)
        self.error_code = _redact_str(error_code)
        self.attempts = attempts
        # Set when the error arrived inside a stream: what had arrived before it.
        self.partial: Completion | None = None
        # A dialect may veto retries for an otherwise retryable status (e.g. quota exhausted).
        self.retryable: bool | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep keyword state across pickling (multiprocessing, xdist, task queues).
        return (_rebuild, (type(self), self.message, self.__dict__.copy()))


def _rebuild(cls: type[ProviderError], message: str, state: dict[str, Any]) -> ProviderError:
    err = cls.__new__(cls)
    LLMKitError.__init__(err, message)
    err.__dict__.update(state)
    return err


def _redact_str(value: str | None) -> str | None:
    return None if value is None else redact_text(str(value))


# Deeper parts of an error body are dropped: nobody reads them, and recursion must stay bounded.
_BODY_DEPTH = 16


def _redact_body(body: Any, depth: int = 0) -> Any:
    """A copy of an error body with every string scrubbed: values and object keys alike (a
    provider may echo a key as a JSON key), anything not JSON-shaped as its scrubbed repr."""
    if body is None or isinstance(body, (bool, int, float)):
        return body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        return redact_text(body[:_BODY_EXCERPT])
    if depth >= _BODY_DEPTH:
        return "..."
    if isinstance(body, dict):
        return {_redact_body(k, depth + 1): _redact_body(v, depth + 1) for k, v in body.items()}
    if isinstance(body, (list, tuple)):
        return [_redact_body(v, depth + 1) for v in body]
    return redact_text(repr(body)[:_BODY_EXCERPT])


class AuthenticationError(ProviderError):
    """The credentials were rejected."""


class PermissionDeniedError(ProviderError):
    """The credentials are valid but not allowed to do this."""


class NotFoundError(ProviderError):
    """The model, deployment or route does not exist."""


class BadRequestError(ProviderError):
    """The provider rejected the request as invalid."""


class ContextWindowExceededError(BadRequestError):
    """The input (plus requested output) does not fit the model's context window."""


class ContentFilteredError(BadRequestError):
    """The provider's safety system refused the prompt or the output."""


class RateLimitError(ProviderError):
    """Too many requests; ``retry_after`` says how long the provider asked to wait."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class RedirectError(ProviderError):
    """The provider answered 3xx. llmkit never follows redirects (a credential must not follow a
    request to another host); ``location`` is where it pointed, with any query masked."""

    location: str | None = None


class ResponseTooLargeError(ProviderError):
    """A response body (after decompression), stream event or frame passed the size cap
    (``Client(max_response_bytes=...)``); ``limit`` is the cap in bytes."""

    limit: int | None = None


class ServerError(ProviderError):
    """The provider failed (5xx)."""


class OverloadedError(ServerError):
    """The provider is temporarily overloaded (e.g. Anthropic's 529)."""


class APIConnectionError(ProviderError):
    """No usable response: connection refused, reset, or a protocol error."""

    # True when the failure happened before the request could have reached the server
    # (connect refused or timed out), so a retry cannot cause a duplicate.
    before_send: bool = False


class APITimeoutError(APIConnectionError):
    """A connect, read or total timeout fired."""


class StreamInterruptedError(APIConnectionError):
    """A stream broke before its end; ``partial`` is everything that arrived."""

    def __init__(
        self,
        message: str,
        *,
        partial: Completion | None = None,
        events_received: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.partial = partial
        self.events_received = events_received


class PredictionFailedError(ProviderError):
    """A job the provider ran ended without an answer (a Replicate prediction ``failed`` or
    ``canceled``): the message holds the provider's own error text; ``prediction_id`` names it."""

    prediction_id: str | None = None


class StateBackendError(LLMKitError):
    """The store that holds shared state or cached responses (Redis) failed: unreachable, timed
    out, or answered something llmkit did not write. The message names the store's address
    (without its password) and what was being done."""
