"""What the regional tests share: one call in either mode, the requests a profile received."""

from __future__ import annotations

import json
from typing import Any

from tests._client_run import run  # noqa: F401  (re-exported for this folder's tests)

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
