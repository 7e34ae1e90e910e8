"""``multipart/form-data`` bodies (RFC 7578): fields in order, files with a filename and type.

Pure: a list of parts in, the body bytes and its ``Content-Type`` out. The boundary is random per
body (``secrets``), and is checked against every part's bytes so it can never occur inside one.
Field names and filenames are quoted as RFC 7578 section 4.2 and the WHATWG HTML form encoder
do (``"`` as ``%22``, CR and LF as ``%0D``/``%0A``), so no value can add a header or a part.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["FilePart", "FormField", "Part", "encode"]


@dataclass(frozen=True, slots=True)
class FormField:
    """A plain form field: a name and its text (sent as UTF-8)."""

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class FilePart:
    """A file: its field name, the bytes, a filename and a content type."""

    name: str
    data: bytes
    filename: str
    content_type: str = "application/octet-stream"

    def __repr__(self) -> str:  # the bytes can be megabytes
        return f"FilePart({self.name!r}, {len(self.data)} bytes, {self.filename!r}, {self.content_type!r})"


Part = FormField | FilePart

_ESCAPES = {ord('"'): "%22", ord("\r"): "%0D", ord("\n"): "%0A"}


def _quote(text: str) -> str:
    return text.translate(_ESCAPES)


def _head(part: Part) -> bytes:
    disposition = f'Content-Disposition: form-data; name="{_quote(part.name)}"'
    if isinstance(part, FormField):
        return (disposition + "\r\n\r\n").encode()
    content_type = part.content_type
    if any(c in content_type for c in "\r\n"):
        raise ValueError(f"a content type holds a line break: {content_type!r}")
    head = f'{disposition}; filename="{_quote(part.filename)}"\r\nContent-Type: {content_type}\r\n\r\n'
    return head.encode()


def _payload(part: Part) -> bytes:
    return part.value.encode() if isinstance(part, FormField) else part.data


def encode(parts: Iterable[Part], boundary: str | None = None) -> tuple[bytes, str]:
    """The body and its Content-Type header value. ``boundary`` is for tests only; by default a
    fresh random one is drawn (and redrawn in the astronomically rare case a part holds it)."""
    items = [(_head(p), _payload(p)) for p in parts]
    while True:
        b = boundary or "llmkit-" + secrets.token_hex(16)
        marker = b.encode()
        if not any(marker in head or marker in data for head, data in items):
            break
        if boundary is not None:
            raise ValueError("the given boundary occurs inside a part")
    out = bytearray()
    for head, data in items:
        out += b"--" + marker + b"\r\n" + head + data + b"\r\n"
    out += b"--" + marker + b"--\r\n"
    return bytes(out), f"multipart/form-data; boundary={b}"
