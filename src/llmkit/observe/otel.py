"""OpenTelemetry spans and metrics for every call, after the GenAI semantic conventions.

``OpenTelemetry()`` is an observer: ``Client(callbacks=[OpenTelemetry()])``. It needs
``opentelemetry-api`` (the ``llmkit[otel]`` extra), imported when it is built, never before; the
exporters (OTLP, console) and the SDK are the application's. One CLIENT span per call, named
``"{gen_ai.operation.name} {gen_ai.request.model}"``, with the ``gen_ai.*`` attributes of the
request and the response; retries and fallbacks are span events; the histograms
``gen_ai.client.token.usage``, ``gen_ai.client.operation.duration`` and
``gen_ai.client.operation.time_to_first_chunk`` (streams). Only metadata is recorded: no
message content, no URL, no header.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from llmkit.errors import ConfigurationError
from llmkit.observe.events import (
    BaseObserver,
    ErrorEvent,
    FallbackEvent,
    RequestEvent,
    ResponseEvent,
    RetryEvent,
)

try:
    from opentelemetry import metrics, trace
    from opentelemetry.trace import SpanKind, Status, StatusCode
except ImportError:  # pragma: no cover - exercised only without the extra
    raise ConfigurationError(
        "llmkit.observe.OpenTelemetry needs opentelemetry-api: pip install 'llmkit[otel]'"
    ) from None

# llmkit operation -> gen_ai.operation.name (well-known values where the conventions have one).
OPERATION_NAMES: Mapping[str, str] = {
    "chat": "chat",
    "embed": "embeddings",
    "rerank": "rerank",
    "images": "generate_image",
    "count_tokens": "count_tokens",
}

# llmkit provider -> gen_ai.provider.name well-known value; any other passes as llmkit names it.
PROVIDER_NAMES: Mapping[str, str] = {
    "openai": "openai",
    "anthropic": "anthropic",
    "gemini": "gcp.gemini",
    "vertex_ai": "gcp.vertex_ai",
    "vertex_ai_anthropic": "gcp.vertex_ai",
    "bedrock": "aws.bedrock",
    "azure": "azure.ai.openai",
    "azure_ai": "azure.ai.inference",
    "cohere": "cohere",
    "watsonx": "ibm.watsonx.ai",
    "perplexity": "perplexity",
    "xai": "x_ai",
    "deepseek": "deepseek",
    "groq": "groq",
    "mistral": "mistral_ai",
}

# gen_ai.request.* attributes from a call's keyword arguments (RequestEvent.options).
REQUEST_OPTIONS: Mapping[str, str] = {
    "temperature": "gen_ai.request.temperature",
    "top_p": "gen_ai.request.top_p",
    "max_tokens": "gen_ai.request.max_tokens",
    "seed": "gen_ai.request.seed",
    "frequency_penalty": "gen_ai.request.frequency_penalty",
    "presence_penalty": "gen_ai.request.presence_penalty",
}

# The conventions' advised bucket boundaries.
_TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864]
_SECONDS_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]


def _version() -> str | None:
    # The installed distribution's version (llmkit.__version__ is the top layer's, above this one).
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("llmkit")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree without metadata
        return None


def _cost(attrs: dict[str, Any], cost: Any) -> None:
    """The call's cost (the catalog's ``Cost``, whose ``total`` is a Decimal, or a plain number)."""
    total = getattr(cost, "total", cost)
    if isinstance(total, int | float | Decimal) and not isinstance(total, bool):
        attrs["llmkit.usage.cost"] = float(total)
        currency = getattr(cost, "currency", None)
        if isinstance(currency, str):
            attrs["llmkit.usage.cost.currency"] = currency


class OpenTelemetry(BaseObserver):
    """Spans and metrics through the global (or the given) tracer and meter providers.

    ``record_cost=True`` (the default) sets ``llmkit.usage.cost`` (and ``.currency``, USD for
    every catalogued price) on the span when the result knows its cost (``Completion.cost``, from
    ``llmkit.catalog``: reading it prices the call)."""

    def __init__(
        self,
        *,
        tracer_provider: Any = None,
        meter_provider: Any = None,
        record_cost: bool = True,
    ) -> None:
        self._tracer = trace.get_tracer("llmkit", _version(), tracer_provider=tracer_provider)
        meter = metrics.get_meter("llmkit", _version() or "", meter_provider=meter_provider)
        self._tokens = meter.create_histogram(
            "gen_ai.client.token.usage",
            unit="{token}",
            description="Number of input and output tokens used",
            explicit_bucket_boundaries_advisory=_TOKEN_BUCKETS,
        )
        self._duration = meter.create_histogram(
            "gen_ai.client.operation.duration",
            unit="s",
            description="GenAI operation duration",
            explicit_bucket_boundaries_advisory=_SECONDS_BUCKETS,
        )
        self._ttfc = meter.create_histogram(
            "gen_ai.client.operation.time_to_first_chunk",
            unit="s",
            description="Time to receive the first chunk of a streamed response",
            explicit_bucket_boundaries_advisory=_SECONDS_BUCKETS,
        )
        self._record_cost = record_cost
        # call id -> (span, the attributes metrics share); calls end on another thread or task
        # than they began on only when the caller moves them, so a lock keeps the dict sound.
        self._open: dict[int, tuple[Any, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def on_request(self, event: RequestEvent) -> None:
        call = event.call
        operation = OPERATION_NAMES.get(call.operation, call.operation)
        provider = PROVIDER_NAMES.get(call.provider, call.provider)
        common = {
            "gen_ai.operation.name": operation,
            "gen_ai.provider.name": provider,
            "gen_ai.request.model": call.model,
        }
        attributes: dict[str, Any] = {**common, "gen_ai.system": provider, "llmkit.provider": call.provider}
        for key, name in REQUEST_OPTIONS.items():
            value = event.options.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                attributes[name] = value
        stop = event.options.get("stop")
        if isinstance(stop, str):
            attributes["gen_ai.request.stop_sequences"] = [stop]
        if call.stream:
            attributes["llmkit.stream"] = True
        if call.cache_hit:
            attributes["llmkit.cache_hit"] = True
        span = self._tracer.start_span(
            f"{operation} {call.model}", kind=SpanKind.CLIENT, attributes=attributes
        )
        with self._lock:
            self._open[call.id] = (span, common)

    def _take(self, call_id: int) -> tuple[Any, dict[str, Any]] | None:
        with self._lock:
            return self._open.pop(call_id, None)

    def on_response(self, event: ResponseEvent) -> None:
        opened = self._take(event.call.id)
        if opened is None:
            return
        span, common = opened
        result = event.result
        attrs: dict[str, Any] = {}
        model = getattr(result, "model", None)
        if isinstance(model, str) and model:
            attrs["gen_ai.response.model"] = model
            common = {**common, "gen_ai.response.model": model}
        response_id = getattr(result, "id", None)
        if isinstance(response_id, str) and response_id:
            attrs["gen_ai.response.id"] = response_id
        finish = getattr(result, "finish_reason", None)
        if finish is not None:
            attrs["gen_ai.response.finish_reasons"] = [str(finish)]
        usage = getattr(result, "usage", None)
        if usage is not None:
            self._usage(attrs, usage, common)
        if self._record_cost:
            _cost(attrs, getattr(result, "cost", None))
        if event.time_to_first_event_s is not None:
            attrs["llmkit.time_to_first_chunk"] = event.time_to_first_event_s
            self._ttfc.record(event.time_to_first_event_s, common)
        self._duration.record(event.duration_s, common)
        span.set_attributes(attrs)  # one call: the SDK locks and checks per call
        span.end()

    def _usage(self, attrs: dict[str, Any], usage: Any, common: dict[str, Any]) -> None:
        attrs["gen_ai.usage.input_tokens"] = usage.input_tokens
        attrs["gen_ai.usage.output_tokens"] = usage.output_tokens
        if usage.cached_input_tokens:
            attrs["gen_ai.usage.cache_read.input_tokens"] = usage.cached_input_tokens
        if usage.cache_creation_input_tokens:
            attrs["gen_ai.usage.cache_creation.input_tokens"] = usage.cache_creation_input_tokens
        if usage.reasoning_tokens:
            attrs["gen_ai.usage.reasoning.output_tokens"] = usage.reasoning_tokens
        if usage.input_tokens:
            self._tokens.record(usage.input_tokens, {**common, "gen_ai.token.type": "input"})
        if usage.output_tokens:
            self._tokens.record(usage.output_tokens, {**common, "gen_ai.token.type": "output"})

    def on_error(self, event: ErrorEvent) -> None:
        opened = self._take(event.call.id)
        if opened is None:
            return
        span, common = opened
        error_type = type(event.error).__name__
        span.set_attribute("error.type", error_type)
        status = getattr(event.error, "status_code", None)
        if isinstance(status, int):
            span.set_attribute("http.response.status_code", status)
        # The message is llmkit's, scrubbed of secrets; no traceback is recorded.
        span.set_status(Status(StatusCode.ERROR, str(event.error)))
        self._duration.record(event.duration_s, {**common, "error.type": error_type})
        span.end()

    def on_retry(self, event: RetryEvent) -> None:
        span: Any
        if event.call is None:
            span = trace.get_current_span()
        else:
            with self._lock:
                opened = self._open.get(event.call.id)
            span = opened[0] if opened else None
        if span is not None:
            attrs = {"llmkit.retry.attempt": event.attempt, "llmkit.retry.delay_s": event.delay_s}
            span.add_event("llmkit.retry", {**attrs, "llmkit.retry.reason": event.reason})

    def on_fallback(self, event: FallbackEvent) -> None:
        attrs = {"llmkit.fallback.group": event.group, "llmkit.fallback.reason": event.reason}
        if event.from_deployment:
            attrs["llmkit.fallback.from"] = event.from_deployment
        if event.to_deployment:
            attrs["llmkit.fallback.to"] = event.to_deployment
        if event.error is not None:
            attrs["error.type"] = type(event.error).__name__
        trace.get_current_span().add_event("llmkit.fallback", attrs)
