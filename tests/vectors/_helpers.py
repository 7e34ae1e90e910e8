"""What the vectors tests share: options aimed at the emulator, and one call in either mode."""

from __future__ import annotations

from typing import Any

from tests._client_run import run  # noqa: F401  (re-exported for this folder's tests)

from llmkit.emulator import Emulator

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"  # the session emulator's key (tests/conftest.py)


def options(emu: Emulator, provider: str, **extra: Any) -> dict[str, Any]:
    kw: dict[str, Any] = {"api_key": CANARY_KEY, "base_url": emu.base_url(provider), "max_retries": 0}
    kw.update(extra)
    return kw


def bodies(emu: Emulator) -> list[Any]:
    return [r.json() for r in emu.requests]
