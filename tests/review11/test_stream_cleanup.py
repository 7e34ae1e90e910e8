"""A stream that ends early closes the transport's chunk generator itself.

The CI flake behind this file: test_hostile_streams.py::test_mutated_streams[watsonx-async] failed
once with "Exception ignored in: <async_generator object _chunks>" (RecursionError, and
RecursionError again while formatting it). A decode error raised out of the stream's loop left the
transport's chunk generator suspended, kept in a reference cycle by the error's traceback; the
garbage collector finalised it later, at whatever allocation triggered a collection: in the next
example, that was inside json's C decoder 900 levels deep in an event nested 100,000 deep, where
asyncio's finalizer hook (Python code) had no recursion depth left.

So: whatever ends a stream (a decode error, an in-stream error event, an event nested too deep,
the end of the body), no generator of llmkit's is left suspended for the collector. Checked with
the collector off, on every llmkit generator the call created (gc.get_objects still lists the
garbage that a collection would have finalised)."""

from __future__ import annotations

import asyncio
import gc
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import _hostile11 as h
import pytest
import test_typed_decode as td

import llmkit
from llmkit import Client
from llmkit.errors import LLMKitError

SRC = str(Path(llmkit.__file__).resolve().parent)
MODEL = "watsonx/ibm/granite-3-8b-instruct"
EVENTS = h.sse_file("watsonx/chat_stream_text.sse")
DEEP = "[" * td.DEEP_DEPTH + "]" * td.DEEP_DEPTH


def _with(i: int, data: Any, name: str | None = None) -> bytes:
    events = list(EVENTS)
    events[i] = (name if name is not None else events[i][0], data)
    return td._sse_body(events)


BODIES = {
    "deep event": _with(2, DEEP),
    "event not JSON": _with(2, "{nope"),
    "error event": _with(2, {"errors": [{"code": "x", "message": "boom"}]}, "error"),
    "whole": td._sse_body(EVENTS),
    "cut": td._sse_body(EVENTS)[: len(td._sse_body(EVENTS)) // 2],
}


@pytest.fixture(scope="module")
def routed() -> Iterator[h.Routed]:
    yield from h.start()


def _options(url: str) -> dict[str, Any]:
    return {"url": url, "iam_url": url, "api_key": td.KEY, "project_id": "p-cleanup"}


def _llmkit_generators() -> list[Any]:
    """Every generator and async generator of llmkit's that is suspended (not yet finished)."""
    out = []
    for obj in gc.get_objects():
        if isinstance(obj, types.GeneratorType):
            frame = obj.gi_frame
        elif isinstance(obj, types.AsyncGeneratorType):
            frame = obj.ag_frame
        else:
            continue
        if frame is not None and frame.f_code.co_filename.startswith(SRC):
            out.append(obj)
    return out


def _left_suspended(call: Callable[[], Any]) -> list[str]:
    gc.collect()
    gc.disable()
    try:
        before = _llmkit_generators()
        try:
            call()
        except LLMKitError as exc:
            kept = exc  # the error (and its traceback) alive, as a caller would hold it
        else:
            kept = None
        left = [g for g in _llmkit_generators() if not any(g is b for b in before)]
        del kept
        return [g.__qualname__ for g in left]
    finally:
        gc.enable()
        gc.collect()


@pytest.mark.parametrize("body", list(BODIES))
def test_sync_stream_leaves_no_generator_suspended(body: str, routed: h.Routed) -> None:
    with Client(max_retries=0) as client:

        def run() -> None:
            with client.stream(MODEL, "hi", **_options(routed.url)) as s:
                for _ in s:
                    pass

        routed.serve(h.Reply(200, BODIES["whole"], "text/event-stream"))
        run()  # warm: the token exchange and the connection pool are set up outside the check
        routed.serve(h.Reply(200, BODIES[body], "text/event-stream"))
        assert _left_suspended(run) == []


@pytest.mark.parametrize("body", list(BODIES))
def test_async_stream_leaves_no_generator_suspended(body: str, routed: h.Routed) -> None:
    loop = asyncio.new_event_loop()
    client = loop.run_until_complete(td._make_async())

    async def stream() -> None:
        s = client.stream(MODEL, "hi", **_options(routed.url))
        async with s:
            async for _ in s:
                pass

    try:
        routed.serve(h.Reply(200, BODIES["whole"], "text/event-stream"))
        loop.run_until_complete(stream())  # warm: the session (and its loop-end watcher) exist before
        routed.serve(h.Reply(200, BODIES[body], "text/event-stream"))
        assert _left_suspended(lambda: loop.run_until_complete(stream())) == []
    finally:
        loop.run_until_complete(client.aclose())
        loop.close()


def test_bodies_fail_as_meant(routed: h.Routed) -> None:
    """The cases above reach the decoder: each broken body is a typed error, the whole one is not."""
    with Client(max_retries=0) as client:
        for name, body in BODIES.items():
            routed.serve(h.Reply(200, body, "text/event-stream"))
            try:
                with client.stream(MODEL, "hi", **_options(routed.url)) as s:
                    for _ in s:
                        pass
            except LLMKitError:
                assert name != "whole", name
            else:
                assert name == "whole", name
