"""Responses recorded from Google's public documentation (see each fixture's ``.source.md``),
decoded through the dialect and spec each surface uses."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from llmkit.dialects.anthropic import DIALECT as ANTHROPIC
from llmkit.dialects.base import CallContext, ChatRequest
from llmkit.dialects.gemini import DIALECT as GEMINI
from llmkit.errors import ContentFilteredError
from llmkit.providers import get_spec
from llmkit.types import (
    Completion,
    Finish,
    FinishReason,
    Message,
    TextDelta,
    ToolCallDelta,
    Usage,
    UsageUpdate,
)
from llmkit.wire import HttpResponse

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
AI_STUDIO = FIXTURES / "gemini"
VERTEX = FIXTURES / "vertex"
REQ = ChatRequest("gemini-2.5-flash", [Message("user", "hi")])


def _ctx(provider: str, model: str, **params: str) -> CallContext:
    spec = get_spec(provider)
    return CallContext(spec, model, spec.base_url.format_map(params), params=dict(params))


def _gemini(name: str) -> Completion:
    ctx = _ctx("gemini", "gemini-2.5-flash")
    return GEMINI.parse_chat(HttpResponse(200, {}, (AI_STUDIO / name).read_bytes()), REQ, ctx)


def _claude(name: str) -> Completion:
    ctx = _ctx("vertex_ai_anthropic", "claude-3-5-sonnet-v2@20241022", project="p", location="us-east5")
    req = ChatRequest(ctx.model, [Message("user", "hi")])
    return ANTHROPIC.parse_chat(HttpResponse(200, {}, (VERTEX / name).read_bytes()), req, ctx)


def test_every_fixture_has_a_source() -> None:
    for folder in (AI_STUDIO, VERTEX):
        data = [p for p in folder.iterdir() if not p.name.endswith(".source.md")]
        assert len(data) >= 3
        for p in data:
            source = p.with_name(p.name + ".source.md")
            assert source.is_file(), p.name
            assert "https://" in source.read_text()


def _published_definitions() -> ModuleType:
    """The proto / discovery-document validators of test_gemini_specs.py (loaded by path)."""
    spec = importlib.util.spec_from_file_location(
        "_gemini_specs", Path(__file__).with_name("test_gemini_specs.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_recorded_bodies_match_published_definitions(shared_spec: Callable[[str], Path]) -> None:
    defs = _published_definitions()
    defs.use_specs(shared_spec)
    for name in (
        "cookbook_function_call.json",
        "cookbook_prompt_blocked.json",
        "cookbook_cached_content.json",
        "cookbook_text_usage.json",
    ):
        defs.check_proto(json.loads((AI_STUDIO / name).read_text()), "GenerateContentResponse", name)
    for name in (
        "gemini_stream_text.json",
        "gemini_stream_function_call.json",
        "gemini_stream_inline_image.json",
    ):
        for i, chunk in enumerate(json.loads((VERTEX / name).read_text())):
            defs.check_discovery(chunk, f"{defs.V}GenerateContentResponse", f"{name}[{i}]")


# ---------------------------------------------------------------- AI Studio (Gemini API cookbook)


def test_ai_studio_function_call() -> None:
    c = _gemini("cookbook_function_call.json")
    assert c.text == ""
    assert c.finish_reason is FinishReason.TOOL_CALLS and c.raw_finish_reason == "STOP"
    [call] = c.tool_calls
    assert call.name == "find_theaters"
    assert call.arguments == {"movie": "Barbie", "location": "Mountain View, CA"}
    assert call.id.startswith("gcall_")
    assert c.usage == Usage()


def test_ai_studio_blocked_prompt() -> None:
    with pytest.raises(ContentFilteredError) as info:
        _gemini("cookbook_prompt_blocked.json")
    assert info.value.error_type == "SAFETY"
    assert "SAFETY" in str(info.value)


def test_ai_studio_cached_content_usage() -> None:
    c = _gemini("cookbook_cached_content.json")
    assert c.text.startswith("This is a transcript of the air-to-ground voice transmission")
    assert c.finish_reason is FinishReason.STOP
    assert c.usage == Usage(
        input_tokens=323388, output_tokens=397, total_tokens=323785, cached_input_tokens=323383
    )


def test_ai_studio_text_and_usage() -> None:
    c = _gemini("cookbook_text_usage.json")
    assert c.text.startswith("```python\n") and "my_list.sort()" in c.text
    assert c.finish_reason is FinishReason.STOP
    assert c.usage == Usage(input_tokens=9, output_tokens=87, total_tokens=96)
    assert c.tool_calls == []


# ---------------------------------------------------------------- Vertex AI Gemini (JSON-array streams)


def _vertex_stream(name: str) -> list[object]:
    """Each chunk of the recorded JSON array, framed as the SSE event ``alt=sse`` delivers it."""
    chunks = json.loads((VERTEX / name).read_text())
    framed = b"".join(b"data: " + json.dumps(chunk).encode() + b"\r\n\r\n" for chunk in chunks)
    ctx = _ctx("vertex_ai", "gemini-1.0-pro", project="p", location="us-central1")
    dec = GEMINI.stream_decoder(REQ, ctx)
    events: list[object] = list(dec.feed(framed))
    assert dec.done
    return events


def test_vertex_stream_text() -> None:
    events = _vertex_stream("gemini_stream_text.json")
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    text = "".join(deltas)
    assert len(deltas) == 4
    assert text.startswith(
        "* The sky is blue because of the way sunlight interacts with molecules in the Earth's atmosphere."
    )
    assert text.count("\n* ") == 7
    assert events[-2:] == [UsageUpdate(Usage(6, 168, 174)), Finish(FinishReason.STOP, "STOP")]


def test_vertex_stream_function_call() -> None:
    events = _vertex_stream("gemini_stream_function_call.json")
    [call] = [e for e in events if isinstance(e, ToolCallDelta)]
    assert call.name == "find_theaters"
    assert json.loads(call.arguments_delta) == {"location": "Mountain View, CA", "movie": "Barbie"}
    assert events[-2:] == [UsageUpdate(Usage(192, 11, 203)), Finish(FinishReason.TOOL_CALLS, "STOP")]


def test_vertex_stream_inline_image_answer() -> None:
    events = _vertex_stream("gemini_stream_inline_image.json")
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == " Yes, it is a cat."
    assert events[-2:] == [UsageUpdate(Usage(263, 7, 270)), Finish(FinishReason.STOP, "STOP")]


# ---------------------------------------------------------------- Claude on Vertex AI (rawPredict)


def test_vertex_claude_message() -> None:
    c = _claude("claude_message.json")
    assert c.id == "msg_vrtx_01PbLXjy7XzfNMiH76f3s5Ep"
    assert c.model == "claude-3-5-sonnet-v2-20241022"
    assert c.text.startswith("This appears to be a Golden-cheeked Warbler")
    assert c.finish_reason is FinishReason.STOP and c.raw_finish_reason == "end_turn"
    assert c.usage == Usage(input_tokens=1587, output_tokens=179, total_tokens=1766)
    assert c.tool_calls == []


def test_vertex_claude_tool_use() -> None:
    c = _claude("claude_tool_use.json")
    assert c.text == (
        "This appears to be a Golden-cheeked Warbler (Setophaga chrysoparia), a rare songbird. "
        "Let me look up its region for you."
    )
    [call] = c.tool_calls
    assert (call.id, call.name) == ("toolu_vrtx_01AoZske3Zi12oYewSYnng2z", "get_wildlife_region")
    assert call.arguments == {"animal": "Golden-cheeked Warbler"}
    assert c.finish_reason is FinishReason.TOOL_CALLS and c.raw_finish_reason == "tool_use"
    assert c.usage == Usage(input_tokens=1963, output_tokens=99, total_tokens=2062)
