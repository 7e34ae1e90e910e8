"""The in-stream error protocol: every decoder has ``error`` (None until an error event follows
other events of a chunk), and the stream reads it as a plain attribute."""

from __future__ import annotations

import ast
import inspect
import json
import time
from pathlib import Path

import pytest

import llmkit
from llmkit._stream import _StreamCore
from llmkit.dialects import get_dialect
from llmkit.dialects.base import CallContext, ChatRequest, StreamDecoder
from llmkit.errors import ProviderError
from llmkit.providers import all_specs
from llmkit.types import Message

SRC = Path(llmkit.__file__).resolve().parent
SPECS = all_specs()
DIALECT_SPECS = {s.dialect: s for s in reversed(SPECS)}  # one spec per dialect


def _members(proto: type) -> set[str]:
    names = set(getattr(proto, "__annotations__", {}))
    names |= {
        n
        for n, v in vars(proto).items()
        if not n.startswith("_") and (callable(v) or isinstance(v, property))
    }
    return names


# Every dialect, and SageMaker once per container format (each has its own decoder path).
# (A dialect with no chat, as Stability's images-only one, has no stream decoder.)
CHAT = sorted(name for name in DIALECT_SPECS if hasattr(get_dialect(name), "stream_decoder"))
CASES = [(name, None) for name in CHAT] + [("sagemaker", "tgi"), ("sagemaker", "raw")]


@pytest.mark.parametrize(("name", "fmt"), CASES)
def test_every_decoder_satisfies_the_protocol(name: str, fmt: str | None) -> None:
    spec = DIALECT_SPECS[name]
    ctx = CallContext(
        spec, "m", "https://example.invalid", params={"project": "p", "location": "us-central1"}
    )
    options = {} if fmt is None else {"sagemaker_format": fmt}
    decoder = get_dialect(name).stream_decoder(
        ChatRequest("m", [Message("user", "hi")], stream=True, options=options), ctx
    )
    for member in _members(StreamDecoder):
        assert hasattr(decoder, member), f"{type(decoder).__name__} lacks {member}"
    assert decoder.error is None
    assert decoder.feed(b"") == []


def test_the_protocol_documents_how_an_error_is_reported() -> None:
    doc = inspect.getdoc(StreamDecoder) or ""
    assert "error" in doc and "partial" in doc
    assert "error" in _members(StreamDecoder)


def test_nothing_reads_the_decoder_error_or_the_quirks_with_getattr() -> None:
    """The protocol and the typed quirks replace ``getattr(decoder, "error")`` and
    ``getattr(spec.quirks, ...)``: a plain attribute read is checked by mypy."""
    found = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
                target = ast.unparse(node.args[0]) if node.args else ""
                if "quirks" in target or "decoder" in target:
                    found.append(f"{path.relative_to(SRC)}:{node.lineno}: getattr({target}, ...)")
    assert not found, found


def _core(name: str) -> _StreamCore:
    spec = DIALECT_SPECS[name]
    ctx = CallContext(spec, "m", "https://example.invalid")
    req = ChatRequest("m", [Message("user", "hi")], stream=True)
    return _StreamCore(
        lambda: get_dialect(name).stream_decoder(req, ctx), spec.name, "m", None, None, time.monotonic
    )


def test_an_error_set_on_the_decoder_is_raised_right_after_its_chunk() -> None:
    core = _core("openai_chat")
    chunk = (
        b'data: {"id":"c1","choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n'
        b'data: {"error":{"message":"overloaded","type":"server_error"}}\n\n'
    )
    with pytest.raises(ProviderError) as info:
        core.feed(chunk)
    assert info.value.partial is not None and info.value.partial.text == "Hel"


def test_an_error_raised_on_the_next_call_keeps_its_events_first() -> None:
    """Anthropic's decoder takes the protocol's other path: the events are yielded, then the error."""
    core = _core("anthropic_messages")

    def sse(kind: str, data: dict[str, object]) -> bytes:
        return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n".encode()

    start = sse("message_start", {"message": {"id": "m1", "model": "m", "usage": {}}})
    block = sse("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}})
    delta = sse("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": "Hel"}})
    error = sse("error", {"error": {"type": "overloaded_error", "message": "Overloaded"}})
    events = core.feed(start + block + delta + error)
    assert events and core.decoder.error is None
    with pytest.raises(ProviderError) as info:
        core.end()
    assert info.value.partial is not None and info.value.partial.text == "Hel"
