"""docs/notes/snowflake.md: its examples run against the emulator, configured only through the
environment variables the page documents."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from llmkit.emulator import Emulator
from llmkit.emulator import snowflake as emu_snowflake

from .conftest import ACCOUNT, PASSPHRASE, USER, SnowflakeUser

_PAGES = Path(__file__).resolve().parents[1] / "docs" / "_pages.py"
_spec = importlib.util.spec_from_file_location("_snowflake_pages", _PAGES)
assert _spec is not None and _spec.loader is not None
pages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pages)


def test_page_examples_run(
    emu: Emulator, sf_user: SnowflakeUser, sf_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu_snowflake.register_token(emu, "pat-docs-page-0001", "PROGRAMMATIC_ACCESS_TOKEN")
    for name, value in {
        "SNOWFLAKE_BASE_URL": emu.base_url("snowflake"),
        "SNOWFLAKE_ACCOUNT": ACCOUNT,
        "SNOWFLAKE_USER": USER,
        "SNOWFLAKE_PRIVATE_KEY_PATH": str(sf_user.path),
        "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": PASSPHRASE,
        "SNOWFLAKE_PAT": "pat-docs-page-0001",
    }.items():
        monkeypatch.setenv(name, value)
    ns = pages.run_page("notes/snowflake.md")
    assert ns["reply"].text and ns["vectors"].vectors
    kinds = [r.headers.get("x-snowflake-authorization-token-type") for r in emu.requests]
    assert kinds[-1] == "PROGRAMMATIC_ACCESS_TOKEN" and set(kinds[:-1]) == {"KEYPAIR_JWT"}
    paths = {r.path for r in emu.requests}
    assert {"/api/v2/cortex/v1/messages", "/api/v2/cortex/inference:complete"} <= paths
