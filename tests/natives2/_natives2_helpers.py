"""What the natives2 tests share: options aimed at the emulator, and one call in either mode."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import llmkit
from llmkit.emulator import Emulator

KEY = "nlpc-test-key-0001"


def options(emu: Emulator, **extra: Any) -> dict[str, Any]:
    kw: dict[str, Any] = {
        "max_retries": 0,
        "base_url": emu.base_url("nlp_cloud"),
        "api_key": emu.api_key or KEY,
    }
    kw.update(extra)
    return kw


def sent(emu: Emulator) -> list[Any]:
    return [r for r in emu.requests if r.profile == "nlp_cloud"]


def last_body(emu: Emulator) -> Any:
    return json.loads(sent(emu)[-1].body)


def run(mode: str, op: str, *args: Any, **kw: Any) -> Any:
    """``Client.<op>`` (sync) or ``AsyncClient.<op>`` (async); a stream is drained to
    ``(events, completion)``."""
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
