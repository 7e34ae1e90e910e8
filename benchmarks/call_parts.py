"""The instructions of each in-process part of one llmkit async call, for callgrind.

One real call against the benchmark mock captures the response; then a part runs N times with no
I/O (``whole``: ``AsyncClient.complete`` with the transport's send answering the captured
response at once, the coroutine stepped by hand, no event loop). Run it under valgrind with N and
3N, as ``async_calls.py``; the difference over 2N is the part's Ir (``nothing`` is the loop's own
cost, to subtract)::

    for n in 1000 3000; do PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python benchmarks/call_parts.py openai parse $n 2>&1 | grep Collected; done

Parts: ``whole``, ``driver`` (``whole`` with prepare and parse answered from a first run: the API
shell, the driver's inline attempt and the credential), ``prepare`` (arguments checked, provider
resolved, request built), ``resolve``, ``build`` (the dialect's ``build_chat``), ``parse`` (the
operation's parser behind its guard), ``dparse`` (the dialect's ``parse_chat`` alone), ``loads``
(``llmkit.wire.loads`` of the body), ``check`` (``check_headers``), ``nothing``.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

import wire_clients as wc  # noqa: E402  (beside this file, found once the path holds it)

PARTS = ["whole", "driver", "prepare", "resolve", "build", "parse", "dparse", "loads", "check", "nothing"]


def part(fmt: str, name: str, base: str) -> Callable[[], Any]:
    import llmkit
    from llmkit import _async_driver, api, wire
    from llmkit.framing.fields import check_headers
    from llmkit.operations.base import parse_response, prepare
    from llmkit.operations.chat import ChatParams
    from llmkit.transport import async_http

    model, kw = wc.llmkit_target(fmt, base)
    own = {k: v for k, v in kw.items() if k not in ("api_key", "base_url")}
    kc = llmkit.AsyncClient(max_retries=0)
    captured: list[wire.HttpResponse] = []
    real = async_http.AsyncTransport.send

    async def capture(self: Any, req: Any, stream: bool, timeout: Any) -> Any:
        r = await real(self, req, stream, timeout)
        captured.append(wire.HttpResponse(r.status, dict(r.headers), r.body))
        return r

    async def first() -> None:
        await kc.complete(model, wc.MESSAGES, max_tokens=64, **kw)
        await kc.aclose()

    async_http.AsyncTransport.send = capture  # type: ignore[method-assign]
    asyncio.run(first())
    resp = captured[-1]

    async def replay(self: Any, req: Any, stream: bool, timeout: Any) -> Any:
        check_headers(req.headers)  # the one step of the real send that is not aiohttp's
        return resp

    async_http.AsyncTransport.send = replay  # type: ignore[method-assign]
    params = ChatParams(
        model=model,
        messages=wc.MESSAGES,
        max_tokens=64,
        api_key=kw.get("api_key"),
        base_url=kw.get("base_url"),
        provider_options=own,
    )
    s = kc._settings
    prepared = prepare(api.COMPLETE, s, params)
    r = prepared.resolved

    def whole() -> Any:
        c = kc.complete(model, wc.MESSAGES, max_tokens=64, **kw)
        try:
            c.send(None)
        except StopIteration as done:
            return done.value
        raise RuntimeError("the call suspended: the replay is not in place")

    if name in ("whole", "driver"):
        if name == "driver":
            answer = parse_response(api.COMPLETE, prepared, resp)
            _async_driver.prepare = lambda op, s, p: prepared  # type: ignore[assignment]
            _async_driver.parse_response = lambda op, p, resp: answer  # type: ignore[assignment]
        return whole
    table: dict[str, Callable[[], Any]] = {
        "prepare": lambda: prepare(api.COMPLETE, s, params),
        "resolve": lambda: s.resolve(model, params.api_key, params.base_url, None, own),
        "build": lambda: r.dialect.build_chat(prepared.req, r.ctx),
        "parse": lambda: parse_response(api.COMPLETE, prepared, resp),
        "dparse": lambda: r.dialect.parse_chat(resp, prepared.req, r.ctx),
        "loads": lambda: wire.loads(resp.body),
        "check": lambda: check_headers(prepared.request.headers),
        "nothing": lambda: None,
    }
    return table[name]


def main() -> None:
    fmt, name, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.environ.update(wc.WORKER_ENV)
    cmd = [sys.executable, str(HERE / "mock_server.py"), "--port", "0"]
    mock = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert mock.stdout is not None
        base = f"http://127.0.0.1:{int(mock.stdout.readline().split()[1])}"
        fn = part(fmt, name, base)
    finally:
        mock.terminate()
        mock.wait(10)
    for _ in range(300):  # warm-up: the interpreter's specialisations settle
        fn()
    for _ in range(calls):
        fn()


if __name__ == "__main__":
    main()
