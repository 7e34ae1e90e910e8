"""What the watsonx tests share: options aimed at the emulator, and one call in either mode."""

from __future__ import annotations

from typing import Any

from tests._client_run import run  # noqa: F401  (re-exported for this folder's tests)

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


def iam_requests(emu: Emulator) -> int:
    return sum(1 for r in emu.requests if r.profile == "watsonx_iam")
