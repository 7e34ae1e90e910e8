"""The Snowflake modules load on the first snowflake/ call, cryptography only when a key is used,
and a missing cryptography is a ConfigurationError naming the extra."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from llmkit.auth.snowflake_jwt import load_key_pair
from llmkit.errors import ConfigurationError

CHILD = textwrap.dedent(
    """
    import sys, llmkit
    assert not any(m.startswith("llmkit.providers.snowflake") or m.startswith("llmkit.auth.snowflake")
                   for m in sys.modules), "loaded at import"
    from llmkit.emulator import Emulator
    with Emulator(api_key="pat-import-check") as emu:
        reply = llmkit.complete("snowflake/mistral-large2", "hi", base_url=emu.base_url("snowflake"),
                                token="pat-import-check")
    assert reply.text
    assert "llmkit.auth.snowflake" in sys.modules
    assert "cryptography" not in sys.modules, "cryptography loaded for a PAT"
    print("ok")
    """
)


def test_a_pat_call_loads_no_cryptography() -> None:
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "ok", done.stderr[-2000:]


def test_missing_cryptography_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(sys.modules):
        if name == "cryptography" or name.startswith("cryptography."):
            monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives", None)
    with pytest.raises(ConfigurationError, match=r"llmkit\[snowflake\]"):
        load_key_pair(b"-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n", None, "private_key=")
