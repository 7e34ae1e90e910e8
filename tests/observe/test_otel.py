"""OpenTelemetry spans and metrics, read back with the OTel SDK's in-memory exporter and reader;
attribute names held against opentelemetry-semantic-conventions' GenAI constants."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as GA
from opentelemetry.semconv._incubating.metrics import gen_ai_metrics as GM
from opentelemetry.trace import SpanKind, StatusCode
from tests.conftest import CANARY_KEY

import llmkit
from llmkit.emulator import Emulator, Script, ScriptedError
from llmkit.errors import AuthenticationError
from llmkit.observe import OpenTelemetry

MODEL = "openai/gpt-4o-mini"


class Otel:
    def __init__(self) -> None:
        self.spans = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.reader = InMemoryMetricReader()
        meter_provider = MeterProvider(metric_readers=[self.reader])
        self.observer = OpenTelemetry(tracer_provider=tracer_provider, meter_provider=meter_provider)

    def metrics(self) -> dict[str, list[Any]]:
        data = self.reader.get_metrics_data()
        out: dict[str, list[Any]] = {}
        assert data is not None
        for rm in data.resource_metrics:
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    out.setdefault(m.name, []).extend(m.data.data_points)
        return out


@pytest.fixture
def otel() -> Iterator[Otel]:
    yield Otel()


def call(mode: str, emu: Emulator, otel: Otel, stream: bool = False, **client: Any) -> Any:
    opts: dict[str, Any] = {"api_key": emu.api_key, "base_url": emu.base_url("openai")}
    opts.update(client)
    opts["callbacks"] = otel.observer
    if mode == "sync":
        c = llmkit.Client(**opts)
        if not stream:
            return c.complete(MODEL, "hello", temperature=0.5, max_tokens=64)
        with c.stream(MODEL, "hello") as s:
            return s.completion

    async def go() -> Any:
        async with llmkit.AsyncClient(**opts) as c:
            if not stream:
                return await c.complete(MODEL, "hello", temperature=0.5, max_tokens=64)
            async with c.stream(MODEL, "hello") as s:
                return await s.get_completion()

    return asyncio.run(go())


MODES = pytest.mark.parametrize("mode", ["sync", "async"])


@MODES
def test_chat_span_carries_the_genai_attributes(mode: str, emu: Emulator, otel: Otel) -> None:
    emu.script(Script(text="hi", input_tokens=11, output_tokens=4))
    done = call(mode, emu, otel)
    (span,) = otel.spans.get_finished_spans()
    a = dict(span.attributes or {})
    assert span.name == "chat gpt-4o-mini" and span.kind is SpanKind.CLIENT
    assert a[GA.GEN_AI_OPERATION_NAME] == GA.GenAiOperationNameValues.CHAT.value
    assert a[GA.GEN_AI_PROVIDER_NAME] == GA.GenAiProviderNameValues.OPENAI.value
    assert a[GA.GEN_AI_SYSTEM] == "openai"
    assert a[GA.GEN_AI_REQUEST_MODEL] == "gpt-4o-mini"
    assert a[GA.GEN_AI_RESPONSE_MODEL] == done.model
    assert a[GA.GEN_AI_RESPONSE_ID] == done.id
    assert a[GA.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop",)
    assert a[GA.GEN_AI_USAGE_INPUT_TOKENS] == 11 and a[GA.GEN_AI_USAGE_OUTPUT_TOKENS] == 4
    assert a[GA.GEN_AI_REQUEST_TEMPERATURE] == 0.5 and a[GA.GEN_AI_REQUEST_MAX_TOKENS] == 64
    assert span.status.status_code is StatusCode.UNSET


@MODES
def test_metrics_follow_the_conventions(mode: str, emu: Emulator, otel: Otel) -> None:
    emu.script(Script(text="hi", input_tokens=11, output_tokens=4))
    call(mode, emu, otel)
    m = otel.metrics()
    tokens = {p.attributes[GA.GEN_AI_TOKEN_TYPE]: p for p in m[GM.GEN_AI_CLIENT_TOKEN_USAGE]}
    assert tokens["input"].sum == 11 and tokens["output"].sum == 4
    assert tokens["input"].attributes[GA.GEN_AI_OPERATION_NAME] == "chat"
    (duration,) = m[GM.GEN_AI_CLIENT_OPERATION_DURATION]
    assert duration.count == 1 and duration.sum > 0
    assert duration.attributes[GA.GEN_AI_REQUEST_MODEL] == "gpt-4o-mini"


@MODES
def test_stream_records_time_to_first_chunk(mode: str, emu: Emulator, otel: Otel) -> None:
    emu.script(Script(text="a b c", input_tokens=3, output_tokens=3))
    call(mode, emu, otel, stream=True)
    (span,) = otel.spans.get_finished_spans()
    a = dict(span.attributes or {})
    assert a["llmkit.stream"] is True and a[GA.GEN_AI_USAGE_OUTPUT_TOKENS] == 3
    (ttfc,) = otel.metrics()[GM.GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK]
    assert ttfc.count == 1 and 0 < ttfc.sum <= a["llmkit.time_to_first_chunk"] + 1e-9


@MODES
def test_error_span_and_no_secrets(mode: str, emu: Emulator, otel: Otel) -> None:
    wrong = "sk-wrong-key-1234567890"
    with pytest.raises(AuthenticationError):
        call(mode, emu, otel, api_key=wrong, headers={"x-gateway-key": CANARY_KEY})
    (span,) = otel.spans.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes is not None and span.attributes["error.type"] == "AuthenticationError"
    assert span.attributes["http.response.status_code"] == 401
    dumped = span.to_json() + repr(otel.reader.get_metrics_data())
    assert wrong not in dumped and CANARY_KEY not in dumped and emu.api_key not in dumped


@MODES
def test_retry_is_a_span_event(mode: str, emu: Emulator, otel: Otel) -> None:
    emu.script(Script(error=ScriptedError(503, "busy", headers={"retry-after": "0.01"})), Script(text="ok"))
    call(mode, emu, otel)
    (span,) = otel.spans.get_finished_spans()
    (event,) = span.events
    assert event.name == "llmkit.retry" and event.attributes is not None
    assert (
        event.attributes["llmkit.retry.attempt"] == 2
        and event.attributes["llmkit.retry.reason"] == "HTTP 503"
    )


def test_successful_spans_hold_no_secret(emu: Emulator, otel: Otel) -> None:
    emu.script(Script(text="ok"))
    call("sync", emu, otel, headers={"x-gateway-key": CANARY_KEY})
    assert CANARY_KEY not in otel.spans.get_finished_spans()[0].to_json()


def test_opentelemetry_loads_only_when_asked() -> None:
    code = (
        "import sys, llmkit, llmkit.observe\n"
        "c = llmkit.Client(api_key='sk-x-000000')\n"
        "assert not any(m.startswith('opentelemetry') for m in sys.modules), 'loaded early'\n"
        "llmkit.observe.OpenTelemetry\n"
        "assert 'opentelemetry.trace' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cost_goes_on_the_span_when_the_result_knows_it(otel: Otel) -> None:
    # The catalog's Cost (a Decimal total and a currency), as Completion.cost gives it.
    from decimal import Decimal
    from types import SimpleNamespace

    from llmkit.observe.events import CallInfo, RequestEvent, ResponseEvent

    call = CallInfo(7, "chat", "openai", "gpt-4o-mini", False, 0.0)
    otel.observer.on_request(RequestEvent(call, "POST", "https://x", {}, None))
    result = SimpleNamespace(
        model="gpt-4o-mini", cost=SimpleNamespace(total=Decimal("0.00125"), currency="USD")
    )
    otel.observer.on_response(ResponseEvent(call, result, 0.1))
    (span,) = otel.spans.get_finished_spans()
    assert span.attributes is not None
    assert (
        span.attributes["llmkit.usage.cost"] == 0.00125
        and span.attributes["llmkit.usage.cost.currency"] == "USD"
    )
