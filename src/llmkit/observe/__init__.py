"""Observability: plain callbacks with redacted payloads, and OpenTelemetry spans and metrics.

``Client(callbacks=[...])``, ``AsyncClient(callbacks=[...])`` and the router take observers:
``Callbacks(on_response=...)`` from functions, a ``BaseObserver`` subclass, or
``OpenTelemetry()`` (the ``llmkit[otel]`` extra; opentelemetry loads only when it is built).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmkit.observe.events import (
    BaseObserver,
    Callbacks,
    CallInfo,
    ErrorEvent,
    FallbackEvent,
    Observer,
    RequestEvent,
    ResponseEvent,
    RetryEvent,
    StreamEventEvent,
    emit_fallback,
    emit_retry,
    observers_of,
)

if TYPE_CHECKING:
    from llmkit.observe.otel import OpenTelemetry as OpenTelemetry


def __getattr__(name: str) -> Any:
    # OpenTelemetry imports opentelemetry-api: only when asked for.
    if name == "OpenTelemetry":
        from llmkit.observe.otel import OpenTelemetry

        return OpenTelemetry
    raise AttributeError(f"module 'llmkit.observe' has no attribute {name!r}")


__all__ = [
    "BaseObserver",
    "CallInfo",
    "Callbacks",
    "ErrorEvent",
    "FallbackEvent",
    "Observer",
    "RequestEvent",
    "ResponseEvent",
    "RetryEvent",
    "StreamEventEvent",
    "emit_fallback",
    "emit_retry",
    "observers_of",
    "OpenTelemetry",
]
