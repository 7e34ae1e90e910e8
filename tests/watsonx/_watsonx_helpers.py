"""What the watsonx tests share: options aimed at the emulator, and one call in either mode."""

from __future__ import annotations

import asyncio
from typing import Any

import llmkit
from llmkit.emulator import Emulator

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"  # the session emulator's key (tests/conftest.py)
MODEL = "watsonx/ibm/granite-3-8b-instruct"
PROJECT = "0b2c9f1e-7d3a-4c55-9e1f-2a6b8c0d4e11"


def options(emu: Emulator, **extra: Any) -> dict[str, Any]:
    kw: dict[str, Any] = {
        "url": emu.base_url("watsonx"),
        "iam_url": f"{emu.url}/watsonx_iam",
        "project_id": PROJECT,
        "api_key": CANARY_KEY,
        "max_retries": 0,
    }
    kw.update(extra)
    return kw


def run(mode: str, op: str, *args: Any, **kw: Any) -> Any:
    """``Client.<op>`` (sync) or ``AsyncClient.<op>`` (async). A stream is drained: the result is
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


def iam_requests(emu: Emulator) -> int:
    return sum(1 for r in emu.requests if r.profile == "watsonx_iam")
