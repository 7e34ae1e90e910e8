"""What the natives tests share: options aimed at the emulator per provider, and one call in
either mode."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import llmkit
from llmkit.emulator import Emulator

GENERATE = ("tgi_generate", "lorax", "predibase", "triton")


def options(emu: Emulator, provider: str, **extra: Any) -> dict[str, Any]:
    kw: dict[str, Any] = {"max_retries": 0}
    if provider == "triton":
        kw["host"] = emu.base_url("triton")
    elif provider == "predibase":
        kw["base_url"] = emu.url + "/predibase/{tenant_id}/deployments/v2/llms"
        kw["tenant_id"] = "tenant-1"
        kw["api_key"] = emu.api_key
    else:
        kw["base_url"] = emu.base_url(provider)
    kw.update(extra)
    return kw


def sent(emu: Emulator, provider: str) -> list[Any]:
    return [r for r in emu.requests if r.profile == provider]


def last_body(emu: Emulator, provider: str) -> Any:
    return json.loads(sent(emu, provider)[-1].body)


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
