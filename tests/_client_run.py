"""One call through the public API in either mode, shared by the provider test folders.

``run("sync", "complete", ...)`` calls ``Client.complete``; ``run("async", ...)`` the same method on
``AsyncClient``. A stream (op ``"stream"``) is drained: the result is ``(events, completion)``."""

from __future__ import annotations

import asyncio
from typing import Any

import llmkit


def run(mode: str, op: str, *args: Any, **kw: Any) -> Any:
    if mode == "sync":
        with llmkit.Client() as client:
            if op == "stream":
                with client.stream(*args, **kw) as s:
                    return list(s), s.completion
            return getattr(client, op)(*args, **kw)

    async def main() -> Any:
        async with llmkit.AsyncClient() as client:
            if op == "stream":
                async with client.stream(*args, **kw) as s:
                    return [e async for e in s], s.completion
            return await getattr(client, op)(*args, **kw)

    return asyncio.run(main())
