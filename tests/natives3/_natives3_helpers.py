"""What the natives3 tests share: options aimed at the emulator, and one call in either mode."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from tests._client_run import run

from llmkit.emulator import Emulator

__all__ = ["MODEL", "last_form", "options", "run", "sent"]

MODEL = "petals/petals-team/StableBeluga2"


def options(emu: Emulator, **extra: Any) -> dict[str, Any]:
    return {"max_retries": 0, "base_url": emu.base_url("petals"), **extra}


def sent(emu: Emulator) -> list[Any]:
    return [r for r in emu.requests if r.profile == "petals"]


def last_form(emu: Emulator) -> dict[str, str]:
    """The last request's form values (each name sent once)."""
    values = parse_qs(sent(emu)[-1].body.decode(), keep_blank_values=True, strict_parsing=True)
    assert all(len(v) == 1 for v in values.values()), values
    return {k: v[0] for k, v in values.items()}
