"""The natives tests import ``_natives_helpers`` (and the docs runner ``_pages``) by name: the
suite runs with --import-mode=importlib. Every test starts with none of these providers' variables set."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "docs"))

_VARS = (
    "TGI_API_KEY", "HF_TOKEN", "TGI_BASE_URL", "TGI_GENERATE_BASE_URL", "LORAX_API_KEY", "LORAX_BASE_URL",
    "PREDIBASE_API_TOKEN", "PREDIBASE_API_KEY", "PREDIBASE_TENANT_ID", "PREDIBASE_BASE_URL",
    "TRITON_API_KEY", "TRITON_HOST", "TRITON_BASE_URL",
)  # fmt: skip


@pytest.fixture(autouse=True)
def _no_native_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _VARS:
        monkeypatch.delenv(name, raising=False)
