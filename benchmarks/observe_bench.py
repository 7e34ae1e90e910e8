"""What observing a call costs: a sync chat call with no callbacks, with a no-op ``Callbacks()``,
and with ``OpenTelemetry()`` on the SDK (spans to an in-memory exporter, metrics to an in-memory
reader). The transport is a stub returning a canned OpenAI answer, so the figures are llmkit's
own work per call (no socket, no server).

    .venv/bin/python benchmarks/observe_bench.py [--calls 20000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

import llmkit
from llmkit.observe import Callbacks
from llmkit.wire import HttpResponse

BODY = json.dumps(
    {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
    }
).encode()


class StubTransport:
    def send(self, request: Any, stream: bool, timeout: Any) -> HttpResponse:
        return HttpResponse(200, {"content-type": "application/json"}, BODY)


def client(callbacks: Any) -> llmkit.Client:
    c = llmkit.Client(api_key="sk-bench-0000000000", callbacks=callbacks)
    c._transport = StubTransport()  # type: ignore[assignment]
    return c


def per_call_us(c: llmkit.Client, calls: int) -> float:
    for _ in range(500):
        c.complete("openai/gpt-4o-mini", "hello")
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(calls // 5):
            c.complete("openai/gpt-4o-mini", "hello")
        rounds.append((time.perf_counter() - start) / (calls // 5) * 1e6)
    return statistics.median(rounds)


def otel_observer() -> Any:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from llmkit.observe import OpenTelemetry

    tp = TracerProvider()
    tp.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
    return OpenTelemetry(
        tracer_provider=tp, meter_provider=MeterProvider(metric_readers=[InMemoryMetricReader()])
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20000)
    calls = parser.parse_args().calls
    cases = {
        "no callbacks": None,
        "Callbacks() (no-op)": Callbacks(),
        "OpenTelemetry() (SDK)": otel_observer(),
    }
    base = None
    for name, callbacks in cases.items():
        us = per_call_us(client(callbacks), calls)
        base = us if base is None else base
        print(f"{name:24} {us:8.1f} µs/call   (+{us - base:.1f} µs)")


if __name__ == "__main__":
    main()
