"""What the regional tests share: one call in either mode, the requests a profile received."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import llmkit
from llmkit.emulator import Emulator

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"  # tests/conftest.py's: the emulator accepts only it
FOLDER = "b1gtestfolder000000"


def yandex_options(emu: Emulator, **extra: Any) -> dict[str, Any]:
    kw: dict[str, Any] = {
        "base_url": emu.base_url("yandex"),
        "api_key": CANARY_KEY,
        "folder_id": FOLDER,
        "max_retries": 0,
    }
    kw.update(extra)
    return kw


def sent(emu: Emulator, profile: str) -> list[Any]:
    return [r for r in emu.requests if r.profile == profile]


def last_body(emu: Emulator, profile: str) -> Any:
    return json.loads(sent(emu, profile)[-1].body)


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
