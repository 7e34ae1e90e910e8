"""Review of issue 12: ``GeneratedImage.save`` has defined behaviour for every path (typed errors)."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmkit.errors import ConfigurationError
from llmkit.images import GeneratedImage

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


def test_existing_file_is_replaced(tmp_path: Path) -> None:
    out = tmp_path / "a.png"
    out.write_bytes(b"old content, longer than the image")
    GeneratedImage(PNG, "image/png").save(out)
    assert out.read_bytes() == PNG


def test_directory_and_missing_folder_are_typed(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot save the image"):
        GeneratedImage(PNG, "image/png").save(tmp_path)
    with pytest.raises(ConfigurationError, match="cannot save the image"):
        GeneratedImage(PNG, "image/png").save(tmp_path / "missing" / "a.png")
    assert not (tmp_path / "missing").exists()
