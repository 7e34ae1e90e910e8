"""What the vectors tests share: options aimed at the emulator, and one call in either mode."""

from __future__ import annotations

import asyncio
from typing import Any

import llmkit
from llmkit.emulator import Emulator

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"  # the session emulator's key (tests/conftest.py)


def options(emu: Emulator, provider: str, **extra: Any) -> dict[str, Any]:
    kw: dict[str, Any] = {"api_key": CANARY_KEY, "base_url": emu.base_url(provider), "max_retries": 0}
    kw.update(extra)
    return kw


def run(mode: str, op: str, *args: Any, **kw: Any) -> Any:
    """``Client.<op>`` (sync) or ``AsyncClient.<op>`` (async)."""
    if mode == "sync":
        with llmkit.Client() as client:
            return getattr(client, op)(*args, **kw)

    async def main() -> Any:
        async with llmkit.AsyncClient() as client:
            return await getattr(client, op)(*args, **kw)

    return asyncio.run(main())


def bodies(emu: Emulator) -> list[Any]:
    return [r.json() for r in emu.requests]
