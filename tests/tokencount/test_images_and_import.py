"""Image sizes read from the data's header bytes (held against Pillow, which wrote the images),
OpenAI's tile formula on the vision guide's worked examples, and ``import llmkit`` staying light."""

from __future__ import annotations

import base64
import io
import subprocess
import sys

import pytest

import llmkit
from llmkit.tokens._image import image_size, tile_tokens

Image = pytest.importorskip("PIL.Image")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
@pytest.mark.parametrize("size", [(1, 1), (640, 480), (1023, 2049), (4096, 3)])
def test_image_size_from_header_bytes(fmt: str, size: tuple[int, int]) -> None:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(buf, fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    assert image_size(base64.b64encode(buf.getvalue()).decode()) == size


def test_lossy_webp_and_progressive_jpeg() -> None:
    for fmt, opts in [("WEBP", {"quality": 50}), ("JPEG", {"progressive": True})]:
        buf = io.BytesIO()
        Image.new("RGB", (300, 200)).save(buf, fmt, **opts)
        assert image_size(base64.b64encode(buf.getvalue()).decode()) == (300, 200)


def test_unrecognised_data_has_no_size() -> None:
    assert image_size(base64.b64encode(b"not an image at all").decode()) is None
    assert image_size("%%%") is None


def test_tile_formula_on_openais_examples() -> None:
    # OpenAI vision guide, "Calculating costs": 1024x1024 high = 765; 2048x4096 high = 1105;
    # 4096x8192 low = 85.
    assert tile_tokens(1024, 1024, "high") == 765
    assert tile_tokens(2048, 4096, "high") == 1105
    assert tile_tokens(4096, 8192, "low") == 85


def test_an_image_in_a_message_is_counted_and_flagged() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (2048, 4096)).save(buf, "PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    text_only = llmkit.count_tokens(
        "openai/gpt-4o", [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    )
    image = {"type": "image_url", "image_url": {"url": url, "detail": "high"}}
    content = [{"type": "text", "text": "hi"}, image]
    with_image = llmkit.count_tokens("openai/gpt-4o", [{"role": "user", "content": content}])
    assert with_image.input_tokens == text_only.input_tokens + 1105  # the size read from the data
    by_url = [{"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "low"}}]
    low = llmkit.count_tokens("openai/gpt-4o", [{"role": "user", "content": by_url}])
    assert (
        low.input_tokens
        == llmkit.count_tokens("openai/gpt-4o", [{"role": "user", "content": ""}]).input_tokens + 85
    )
    assert not low.exact
    assert not with_image.exact and "images" in with_image.method


def test_import_llmkit_loads_no_tokenizer() -> None:
    code = (
        "import sys, llmkit; print(sorted(m for m in sys.modules if m.startswith(('llmkit.tok', 'regex'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
