"""A successful response's JSON body, decoded without ``json.loads``'s byte sniffing.

``json.loads(bytes)`` first guesses the encoding (BOMs, NUL-byte patterns for UTF-16/32), decodes
with ``surrogatepass``, then runs the decoder's Python wrapper and two whitespace regex matches
around the C scanner. For the body every chat call reads, that is a few microseconds on top of
the scan itself. ``loads_body`` takes the short way only where the answer cannot differ: a body
that opens with ``{`` followed by a non-NUL byte is one ``detect_encoding`` reads as UTF-8, and
a strict UTF-8 decode that succeeds gives the text ``surrogatepass`` would have given. Anything
else (a BOM, UTF-16, an encoded surrogate, invalid bytes, an array) goes to ``json.loads`` as
before, so results and errors are exactly ``json_or_raise``'s.
"""

from __future__ import annotations

from typing import Any

from llmkit.dialects._errors import json_or_raise
from llmkit.errors import ResponseDecodeError
from llmkit.framing.json_text import loads

__all__ = ["loads_body"]


def loads_body(body: bytes, what: str, provider: str) -> Any:
    """``json_or_raise(body, what, provider)``, the same value or the same typed error."""
    if body[:1] != b"{" or body[1:2] == b"\x00":
        return json_or_raise(body, what, provider)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None:  # outside the handler: the decode error holds the body, keep it off __context__
        return json_or_raise(body, what, provider)  # surrogatepass may still read it
    try:
        return loads(text)
    except (ValueError, RecursionError):
        pass
    # Raised outside the handler, as json_or_raise does: the JSONDecodeError holds the whole body.
    raise ResponseDecodeError(f"{what} body is not JSON", provider=provider, snippet=body)
