"""One format's sync stream, CPU per event, llmkit beside the raw client (and the SDK): the quick
before/after check for a stream decoder change, with a cProfile of it on request.

Run from the repository root with the venv's Python (``PYTHONPATH=src`` to measure a worktree)::

    python benchmarks/stream_profile.py --formats bedrock,gemini          # CPU µs/event, min of rounds
    python benchmarks/stream_profile.py --formats gemini --profile        # cProfile of one stream
    python benchmarks/stream_profile.py --formats bedrock --decode-only   # no HTTP: decoder layers only
    python benchmarks/stream_profile.py --formats sagemaker --async       # the async stream instead

The mock (``mock_server.py``) runs in a subprocess; this process is pinned to CPU 0 and the mock
to CPU 1 where the machine has two. CPU time (``time.process_time``) of this process only, so a
loaded machine disturbs it less than wall time; still, compare figures taken in the same minute.
``--decode-only`` feeds the mock's bytes, one event per chunk as the mock sends them, to llmkit's
stream core, to the raw reader of ``wire_clients.py`` and (``sdk``, Bedrock and SageMaker) to
botocore's ``EventStream``: the decoding, without the transport.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import wire_clients as wc  # noqa: E402
import wire_formats as wf  # noqa: E402

DECODE_FORMATS = ("bedrock", "sagemaker", "gemini")
# botocore's operation (service, operation, output member holding the event stream) per AWS format
_BOTO_STREAMS = {
    "bedrock": ("bedrock-runtime", "ConverseStream", "stream"),
    "sagemaker": ("sagemaker-runtime", "InvokeEndpointWithResponseStream", "Body"),
}


def _env() -> None:
    os.environ.update(wc.WORKER_ENV)
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        os.environ.pop(name, None)
    os.environ["NO_PROXY"] = "127.0.0.1,localhost"


def _pin(cpu: int) -> list[str]:
    two = (os.cpu_count() or 1) >= 2 and Path("/usr/bin/taskset").exists()
    return ["/usr/bin/taskset", "-c", str(cpu)] if two else []


def _builder(client: str) -> Callable[[str, str], Any]:
    if client == "llmkit":
        return wc.llmkit_sync
    if client == "raw":
        return wc.raw_sync
    import wire_peers as wp  # the SDKs: only when asked for

    return wp.sdk_sync


def _async_builder(client: str) -> Callable[[str, str], Any]:
    """A sync ``stream(n, sink)`` running one async stream per call on a loop of its own (the
    loop and the client outlive calls, so warm connections are reused as in formats.py)."""

    def build(fmt: str, base: str) -> Any:
        import asyncio

        loop = asyncio.new_event_loop()
        make = wc.llmkit_async if client == "llmkit" else wc.raw_async
        _, astream, _ = make(fmt, base)

        def stream(n: int, sink: Any) -> int:
            return int(loop.run_until_complete(astream(n, sink)))

        return None, stream

    return build


def _body_chunks(fmt: str, n: int) -> list[bytes]:
    """The mock's stream for ``fmt``, one event per chunk (its HTTP chunks, unwrapped)."""
    make = {"bedrock": wf.bedrock_stream, "sagemaker": wf.sagemaker_stream, "gemini": wf.gemini_stream}
    raw = make[fmt](n)
    body = raw.split(b"\r\n\r\n", 1)[1]
    chunks, pos = [], 0
    while True:
        eol = body.index(b"\r\n", pos)
        size = int(body[pos:eol], 16)
        if size == 0:
            return chunks
        chunks.append(body[eol + 2 : eol + 2 + size])
        pos = eol + 2 + size + 2


def _boto_decode(fmt: str, chunks: list[bytes]) -> Callable[[], int]:
    """boto3's own stream read on the same bytes: botocore's EventStream (EventStreamBuffer plus
    its event parser), then what wire_peers.sdk_sync does with each parsed event."""
    from botocore.eventstream import EventStream
    from botocore.parsers import EventStreamJSONParser
    from botocore.session import get_session

    service, operation, member = _BOTO_STREAMS[fmt]
    model = get_session().get_service_model(service)
    shape = model.operation_model(operation).output_shape.members[member]
    parser = EventStreamJSONParser()

    class Body:  # what EventStream reads: urllib3's response, here the recorded chunks
        def stream(self) -> Iterator[bytes]:
            return iter(chunks)

    def boto() -> int:
        sink, count = wc.Tally(), 0
        events = EventStream(Body(), shape, parser, operation)
        if fmt == "bedrock":
            for ev in events:
                delta = ev.get("contentBlockDelta")
                if delta and delta["delta"].get("text"):
                    sink.append(delta["delta"]["text"])
                    count += 1
            return count
        lines = wc.SseLines()
        for ev in events:
            part = ev.get("PayloadPart")
            if not part:
                continue
            for line in lines.feed(part["Bytes"]):
                if line.startswith(b"data:") and line[5:].strip() != b"[DONE]":
                    text = wc.event_text(fmt, json.loads(line[5:]))
                    if text:
                        sink.append(text)
                        count += 1
        return count

    return boto


def _decode_only(fmt: str, client: str, n: int) -> Callable[[], int]:
    chunks = _body_chunks(fmt, n)
    if client == "sdk":
        if fmt not in _BOTO_STREAMS:
            raise SystemExit(f"--decode-only has no SDK reader for {fmt}")
        return _boto_decode(fmt, chunks)
    if client == "raw":

        def raw() -> int:
            state = wc._RawStreamState(fmt, wc.Tally())
            if fmt in _BOTO_STREAMS:
                for chunk in chunks:
                    state.bytes_chunk(chunk)
            else:  # httpx2's iter_lines: text decoded, then cut into lines
                from httpx2._decoders import LineDecoder, TextDecoder

                text, lines = TextDecoder(), LineDecoder()
                for chunk in chunks:
                    for line in lines.decode(text.decode(chunk)):
                        state.line(line)
            return state.count

        return raw
    from llmkit._stream import _StreamCore
    from llmkit.types import TextDelta

    ctx: Any = types.SimpleNamespace(provider=fmt, model=wc.MODEL)
    new: Callable[[], Any]
    if fmt == "bedrock":
        from llmkit.dialects.bedrock._stream import BedrockConverseStreamDecoder

        new = lambda: BedrockConverseStreamDecoder(ctx)  # noqa: E731
    elif fmt == "sagemaker":
        from llmkit.dialects.sagemaker._stream import SageMakerStreamDecoder

        new = lambda: SageMakerStreamDecoder(ctx, "messages")  # noqa: E731
    else:
        from llmkit.dialects.gemini._response import GeminiStreamDecoder

        new = lambda: GeminiStreamDecoder(ctx)  # noqa: E731

    def ours() -> int:
        core = _StreamCore(new, fmt, wc.MODEL, None, None, time.monotonic)

        def events() -> Iterator[Any]:  # the one generator Stream adds
            for chunk in chunks:
                yield from core.feed(chunk)
            core.end()

        sink, count = wc.Tally(), 0
        for ev in events():
            if isinstance(ev, TextDelta) and ev.text:
                sink.append(ev.text)
                count += 1
        return count

    return ours


def _timed(run: Callable[[], int], n: int, rounds: int) -> list[float]:
    per = []
    for _ in range(rounds):
        c0 = time.process_time()
        got = run()
        per.append((time.process_time() - c0) / got * 1e6)
        if got != n:
            raise RuntimeError(f"{got} events, want {n}")
    return per


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--formats", default="bedrock,gemini")
    ap.add_argument("--clients", default="llmkit,raw", help="llmkit, raw, sdk (the SDK needs its package)")
    ap.add_argument("--n", type=int, default=20_000, help="content events per stream")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--profile", action="store_true", help="cProfile one stream per client instead")
    ap.add_argument("--async", dest="is_async", action="store_true", help="llmkit and raw async streams")
    ap.add_argument("--decode-only", action="store_true", help=f"no HTTP ({', '.join(DECODE_FORMATS)})")
    ns = ap.parse_args()
    _env()
    fmts, clients = ns.formats.split(","), ns.clients.split(",")
    mock: subprocess.Popen[str] | None = None
    if not ns.decode_only:
        if _pin(0):
            os.sched_setaffinity(0, {0})
        cmd = [*_pin(1), sys.executable, str(HERE / "mock_server.py"), "--port", "0"]
        mock = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert mock.stdout is not None
        base = f"http://127.0.0.1:{int(mock.stdout.readline().split()[1])}"
    try:
        for fmt in fmts:
            for client in clients:
                if ns.decode_only:
                    if fmt not in DECODE_FORMATS or (client == "sdk" and fmt not in _BOTO_STREAMS):
                        continue
                    run = _decode_only(fmt, client, ns.n)
                else:
                    build = _async_builder(client) if ns.is_async else _builder(client)
                    _, stream = build(fmt, base)
                    stream(200, wc.Tally())  # warm: connection, imports, caches

                    def run(stream: Any = stream) -> int:
                        return int(stream(ns.n, wc.Tally()))

                if ns.profile:
                    prof = cProfile.Profile()
                    prof.runcall(run)
                    print(f"==== {fmt} {client}")
                    pstats.Stats(prof).sort_stats("tottime").print_stats(25)
                    continue
                per = _timed(run, ns.n, ns.rounds)
                median = sorted(per)[len(per) // 2]
                print(
                    f"{fmt:9} {client:7} CPU µs/event  min {min(per):7.2f}  median {median:7.2f}", flush=True
                )
    finally:
        if mock is not None:
            mock.terminate()
            mock.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
