"""What moved below transport stays one object, leaves no shim behind, and transport keeps no
argument that no client passes (docs/architecture.md, "Layers")."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"


def test_timeout_is_one_class_wherever_it_is_imported_from() -> None:
    import llmkit
    from llmkit import _retry, _timeout

    assert llmkit.Timeout is _retry.Timeout is _timeout.Timeout


def test_retry_after_is_parsed_in_one_place() -> None:
    from llmkit import _retry_after
    from llmkit.dialects import _errors

    assert _errors.parse_retry_after is _retry_after.parse_retry_after


MOVED = [f"llmkit.transport.{name}" for name in ("sse", "aws_eventstream", "body", "proxy")]


@pytest.mark.parametrize("old", MOVED)
def test_no_shim_is_left_where_a_module_moved_from(old: str) -> None:
    assert importlib.util.find_spec(old) is None, f"{old} still exists: import from framing/ or _proxy"


def _keywords_passed(cls_name: str) -> set[str]:
    """Every keyword any module of the library passes when it builds ``cls_name``."""
    passed: set[str] = set()
    for path in (SRC / "llmkit").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = getattr(func, "id", None) or getattr(func, "attr", None)
                if name == cls_name:
                    passed.update(k.arg for k in node.keywords if k.arg)
    return passed


@pytest.mark.parametrize(
    ("module", "cls_name"),
    [("llmkit.transport.sync_http", "SyncTransport"), ("llmkit.transport.async_http", "AsyncTransport")],
)
def test_transport_takes_only_arguments_a_client_passes(module: str, cls_name: str) -> None:
    cls = getattr(importlib.import_module(module), cls_name)
    accepted = {p for p in inspect.signature(cls).parameters if p != "self"}
    passed = _keywords_passed(cls_name)
    assert passed, f"no module builds {cls_name}: the scan is broken"
    assert accepted == passed, f"{cls_name} accepts {sorted(accepted - passed)} that no client passes"


def test_the_pure_layers_load_no_http_library() -> None:
    """A dialect and every framing module import without httpx2 or aiohttp (a fresh interpreter)."""
    code = (
        "import sys, json\n"
        "import llmkit.framing.sse, llmkit.framing.eventstream, llmkit.framing.eventstream_encode\n"
        "import llmkit.framing.body, llmkit.framing.fields, llmkit._timeout, llmkit._proxy\n"
        "import llmkit._retry, llmkit.dialects.bedrock, llmkit.dialects.openai_chat\n"
        "print(json.dumps([m for m in ('httpx2', 'aiohttp', 'llmkit.transport') if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(out.stdout) == []
