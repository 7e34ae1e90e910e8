"""The emulator's images are valid: Pillow (a decoder nobody here wrote) opens and decodes each."""

from __future__ import annotations

import base64
import io

import pytest

PIL = pytest.importorskip("PIL.Image")

from llmkit.emulator import _images  # noqa: E402
from llmkit.images import sniff_mime_type  # noqa: E402


@pytest.mark.parametrize(("fmt", "pil"), [("png", "PNG"), ("jpeg", "JPEG"), ("webp", "WEBP")])
def test_each_format_opens_in_pillow(fmt: str, pil: str) -> None:
    img = PIL.open(io.BytesIO(_images.image(fmt)))
    assert img.format == pil
    img.load()  # decodes the pixels, not just the header
    assert img.size == (1, 1)
    assert sniff_mime_type(_images.image(fmt)) == _images.mime_type(fmt)


def test_png_of_a_size_and_colour() -> None:
    data = _images.png(7, 3, (1, 2, 3))
    img = PIL.open(io.BytesIO(data))
    img.load()
    assert img.size == (7, 3) and img.mode == "RGB"
    assert img.getpixel((6, 2)) == (1, 2, 3)


def test_b64_round_trips() -> None:
    assert base64.b64decode(_images.b64("webp")) == _images.WEBP
