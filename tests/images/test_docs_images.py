"""docs/images.md: its examples run against the emulator (aimed through the environment only),
and its per-provider parameter table agrees with the registry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.conftest import CANARY_KEY
from tests.docs._pages import DOCS, python_blocks

from llmkit.dialects import get_dialect, require
from llmkit.dialects.base import CallContext
from llmkit.emulator import Emulator
from llmkit.emulator.script import Script
from llmkit.providers import all_specs

PAGE = DOCS / "images.md"


def table() -> list[tuple[str, str, list[str]]]:
    text = PAGE.read_text(encoding="utf-8")
    body = text.split("<!-- image-parameters", 1)[1].split("<!-- end image-parameters -->", 1)[0]
    rows = []
    for line in body.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        model = re.search(r"`([^`]+)`", cells[1])
        assert model is not None, line
        rows.append((cells[0].strip("`"), model.group(1), [p.strip() for p in cells[2].split(",")]))
    return rows


def test_every_row_is_what_the_dialect_says() -> None:
    rows = table()
    assert rows
    specs = {s.name: s for s in all_specs()}
    for provider, model, params in rows:
        spec = specs[provider]
        dialect = require(get_dialect(spec.dialect), "images")
        got = dialect.image_parameters(model, CallContext(spec, model, ""))
        from llmkit.dialects.base import IMAGE_PARAMETERS

        assert params == [p for p in IMAGE_PARAMETERS if p in got], (provider, model)


def test_every_provider_with_images_has_a_row() -> None:
    listed = {provider for provider, _, _ in table()}
    with_images = {s.name for s in all_specs() if s.supports("images")}
    assert with_images <= listed, f"add rows to docs/images.md for: {sorted(with_images - listed)}"


def test_examples_run_against_the_emulator(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", CANARY_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", emu.base_url("openai"))
    monkeypatch.chdir(tmp_path)  # the examples save files
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for i, block in enumerate(python_blocks(PAGE)):
        if "ContentFilteredError" in block:  # the emulator refuses that prompt, as OpenAI would
            emu.script(Script(finish_reason="content_filter"))
        exec(compile(block, f"images.md[example {i + 1}]", "exec"), namespace)
    assert (tmp_path / "lighthouse.png").read_bytes().startswith(b"\x89PNG")
    assert emu.pending_scripts() == 0
