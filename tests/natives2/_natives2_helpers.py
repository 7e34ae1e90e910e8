"""What the natives2 tests share: options aimed at the emulator, and one call in either mode."""

from __future__ import annotations

import json
from typing import Any

from tests._client_run import run  # noqa: F401  (re-exported for this folder's tests)

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
