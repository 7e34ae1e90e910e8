"""Small valid images for every emulator handler that answers with one (PNG, JPEG, WebP).

The PNG is written here (signature, IHDR, one IDAT of zlib-deflated scanlines, IEND, each chunk
with its CRC-32), so a test can ask for a size and a colour; the JPEG (1x1 grey, baseline) and
the WebP (1x1 lossless) are fixed byte strings, made once with Pillow. The suite opens all three
with Pillow (tests/images/test_emulator_images.py).
"""

from __future__ import annotations

import base64
import struct
import zlib

__all__ = ["JPEG", "PNG", "WEBP", "b64", "image", "mime_type", "png"]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int = 1, height: int = 1, rgb: tuple[int, int, int] = (200, 80, 40)) -> bytes:
    """A truecolour 8-bit PNG of one colour (filter type 0 on every scanline)."""
    row = b"\x00" + bytes(rgb) * width
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(row * height))
        + _chunk(b"IEND", b"")
    )


PNG = png()

JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300100b0c0e0c0a100e0d0e1211101318281a181616183123"
    "251d283a333d3c3933383740485c4e404457453738506d51575f626768673e4d71797064785c656763ffc0000b080001"
    "000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b51000020103"
    "03020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f024336272"
    "82090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475"
    "767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9"
    "cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f002bffd9"
)

WEBP = bytes.fromhex("524946461c000000574542505650384c0f0000002f000000000710fd8ffe0722a2ff0100")

_BY_FORMAT = {"png": PNG, "jpeg": JPEG, "jpg": JPEG, "webp": WEBP}
_MIME = {"png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg", "webp": "image/webp"}


def image(output_format: str | None = None) -> bytes:
    """The bytes of a small image in ``output_format`` ("png" by default, "jpeg", "webp")."""
    return _BY_FORMAT[(output_format or "png").lower()]


def mime_type(output_format: str | None = None) -> str:
    return _MIME[(output_format or "png").lower()]


def b64(output_format: str | None = None) -> str:
    """The image as standard base64 text (what ``b64_json``-style answers carry)."""
    return base64.b64encode(image(output_format)).decode()
