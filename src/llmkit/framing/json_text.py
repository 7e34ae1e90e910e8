"""One JSON document per stream event, decoded at the cost of the C scanner alone.

``json.loads`` (and ``JSONDecoder.decode``) wrap the scanner in two Python calls and two
whitespace regex matches; on a stream that is most of what decoding a small event costs beyond
the scan itself. ``loads`` calls the scanner directly and hands anything it does not consume
whole (leading or trailing whitespace, an error) to the full decoder, so results and errors are
exactly ``json.loads``'s for a ``str``.
"""

from __future__ import annotations

import json
from json.scanner import make_scanner
from typing import Any

__all__ = ["loads"]

_DECODER = json.JSONDecoder()
# What the decoder itself calls (the C scanner where there is one). typeshed types the context as
# a scanner; what the scanner reads of it (parse_float, strict, ...) is a decoder's.
_scan = make_scanner(_DECODER)  # type: ignore[arg-type]


def loads(text: str) -> Any:
    """``json.loads(text)`` for a ``str``; raises ``ValueError`` (``JSONDecodeError``) alike."""
    try:
        value, end = _scan(text, 0)
    except StopIteration:
        return json.loads(text)  # leading whitespace, a BOM, or not JSON: json says which
    if end != len(text):
        return json.loads(text)  # trailing whitespace, or extra data after the value
    return value
