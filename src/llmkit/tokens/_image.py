"""An image's pixel size from its first bytes (PNG, GIF, JPEG, WebP), and OpenAI's tile formula.

Read from the data itself so that counting needs no Pillow; only a data URL (or base64 ``data``)
has bytes to read: an image given by URL has no known size offline.
"""

from __future__ import annotations

import base64
import binascii
import math
import struct

# Enough of the decoded image for a JPEG whose SOF marker follows its EXIF/ICC segments.
_HEAD = 256 * 1024


def image_size(data_b64: str) -> tuple[int, int] | None:
    """(width, height) of a base64 image, or None when its format or header is not recognised."""
    try:
        head = base64.b64decode(data_b64[: _HEAD * 4 // 3 // 4 * 4], validate=False)
    except (binascii.Error, ValueError):
        return None
    return _size(head)


def _size(b: bytes) -> tuple[int, int] | None:
    if b[:8] == b"\x89PNG\r\n\x1a\n" and len(b) >= 24:
        w, h = struct.unpack(">II", b[16:24])
        return int(w), int(h)
    if b[:6] in (b"GIF87a", b"GIF89a") and len(b) >= 10:
        w, h = struct.unpack("<HH", b[6:10])
        return int(w), int(h)
    if b[:2] == b"\xff\xd8":
        return _jpeg(b)
    if b[:4] == b"RIFF" and b[8:12] == b"WEBP":
        return _webp(b)
    return None


def _jpeg(b: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(b):
        if b[i] != 0xFF:
            return None
        marker = b[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            i += 2
            continue
        (length,) = struct.unpack(">H", b[i + 2 : i + 4])
        # SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC), carry the frame's size.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", b[i + 5 : i + 9])
            return int(w), int(h)
        i += 2 + length
    return None


def _webp(b: bytes) -> tuple[int, int] | None:
    kind = b[12:16]
    if kind == b"VP8 " and len(b) >= 30:
        w, h = struct.unpack("<HH", b[26:30])
        return int(w) & 0x3FFF, int(h) & 0x3FFF
    if kind == b"VP8L" and len(b) >= 25:
        bits = int.from_bytes(b[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if kind == b"VP8X" and len(b) >= 30:
        return int.from_bytes(b[24:27], "little") + 1, int.from_bytes(b[27:30], "little") + 1
    return None


def tile_tokens(width: int, height: int, detail: str, base: int = 85, per_tile: int = 170) -> int:
    """OpenAI's published formula for GPT-4o-class vision input ("Calculating costs", vision
    guide): ``low`` is the base alone; ``high`` scales the image to fit 2048x2048, then its
    shortest side to 768, and adds ``per_tile`` for each 512-pixel tile."""
    if detail == "low":
        return base
    scale = min(1.0, 2048 / max(width, height))
    w, h = width * scale, height * scale
    short = min(w, h)
    if short > 768:
        w, h = w * 768 / short, h * 768 / short
    return base + per_tile * math.ceil(w / 512) * math.ceil(h / 512)
