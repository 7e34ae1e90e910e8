"""Evidence for the stream clean-up fix (tests/review11/test_stream_cleanup.py): how often a stream
that failed mid-read leaves garbage whose finaliser, run by a collection that lands inside json's
C decoder of a deeply nested document, hits RecursionError (Python reports it as unraisable; the
suite's filterwarnings=error turns that into a failure: the test_mutated_streams[watsonx-async]
CI flake).

For each offset N: one async watsonx stream fails on an event nested 100,000 deep (the collector
off, so its garbage stays), the error is dropped, the collector is set to run N allocations later,
and a 100,000-deep document is decoded. An offset whose collection falls in the last few levels
before the recursion limit shows the fault, if there is garbage with a Python finaliser.

    .venv/bin/python benchmarks/gc_deep_finalizer.py          # offsets 860-990
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path[:0] = [str(TESTS / "hardening"), str(TESTS / "review11")]

import _hostile11 as h  # noqa: E402
import test_typed_decode as td  # noqa: E402

from llmkit.errors import LLMKitError  # noqa: E402


def main() -> None:
    routed = next(h.start())
    loop = asyncio.new_event_loop()
    client = loop.run_until_complete(td._make_async())
    events = list(h.sse_file("watsonx/chat_stream_text.sse"))
    deep = "[" * td.DEEP_DEPTH + "]" * td.DEEP_DEPTH
    events[2] = (events[2][0], deep)
    body = td._sse_body(events)
    kw = {"url": routed.url, "iam_url": routed.url, "api_key": td.KEY, "project_id": "p"}
    faults: list[int] = []
    seen: list[Any] = []
    sys.unraisablehook = lambda u: seen.append(u.exc_type)

    async def stream() -> None:
        s = client.stream("watsonx/ibm/granite-3-8b-instruct", "hi", **kw)
        async with s:
            async for _ in s:
                pass

    offsets = range(860, 991)
    for offset in offsets:
        gc.collect()
        gc.disable()
        routed.serve(h.Reply(200, body, "text/event-stream"))
        try:
            loop.run_until_complete(stream())
        except LLMKitError:
            pass
        del seen[:]
        gc.set_threshold(gc.get_count()[0] + offset, 10, 10)
        gc.enable()
        try:
            json.loads(deep)
        except RecursionError:
            pass
        gc.set_threshold(700, 10, 10)
        if seen:
            faults.append(offset)
    print(f"unraisable exceptions at {len(faults)} of {len(offsets)} offsets: {faults}")


if __name__ == "__main__":
    main()
