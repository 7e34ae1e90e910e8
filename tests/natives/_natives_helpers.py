"""What the natives tests share: options aimed at the emulator per provider, and one call in
either mode."""

from __future__ import annotations

import json
from typing import Any

from tests._client_run import run  # noqa: F401  (re-exported for this folder's tests)

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
