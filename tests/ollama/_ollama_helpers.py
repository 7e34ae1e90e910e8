"""What the ollama tests share: options aimed at the emulator, and one call in either mode."""

from __future__ import annotations

import json
from typing import Any

from tests._client_run import run  # noqa: F401  (re-exported for this folder's tests)

from llmkit.emulator import Emulator

MODEL = "ollama_chat/llama3.2"


def options(emu: Emulator, **extra: Any) -> dict[str, Any]:
    kw: dict[str, Any] = {"host": emu.base_url("ollama_chat"), "max_retries": 0}
    kw.update(extra)
    return kw


def sent(emu: Emulator) -> list[Any]:
    return [r for r in emu.requests if r.profile == "ollama_chat"]


def last_body(emu: Emulator) -> Any:
    return json.loads(sent(emu)[-1].body)
