"""One embedding off the wire, in any of the encodings ``embed(encoding=...)`` offers. Pure.

``float`` is a JSON list of numbers; ``base64`` is the same floats packed as little-endian
float32 (OpenAI's ``encoding_format="base64"``, Mistral/Cohere/Jina likewise) and comes back as
floats, so the choice changes the bytes on the wire and never the caller's type; the quantised
``int8``/``uint8``/``binary``/``ubinary`` come back as the integers the provider sent.
"""

from __future__ import annotations

import base64
import binascii
import math
import struct
from typing import Any

from llmkit.dialects._errors import float_vector
from llmkit.errors import ResponseDecodeError

QUANTISED = frozenset({"int8", "uint8", "binary", "ubinary"})


def decode_vector(value: Any, encoding: str | None, name: str = "an embedding") -> list[float]:
    """The vector as numbers: floats for ``float``/``base64`` (None is float), ints otherwise."""
    if isinstance(value, str):
        return base64_floats(value, name)
    if encoding in QUANTISED:
        return int_vector(value, name)
    return float_vector(value, name)


def base64_floats(text: str, name: str = "an embedding") -> list[float]:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ResponseDecodeError(f"{name} is a string that is not base64") from None
    if not raw or len(raw) % 4:
        raise ResponseDecodeError(f"{name} is {len(raw)} bytes, not a whole number of float32s")
    out = list(struct.unpack(f"<{len(raw) // 4}f", raw))
    if not math.isfinite(sum(out)):
        raise ResponseDecodeError(f"{name} holds NaN or Infinity")
    return out


def int_vector(values: Any, name: str = "an embedding") -> list[float]:
    if type(values) is not list or not values or not all(type(x) is int for x in values):
        raise ResponseDecodeError(f"{name} is not a non-empty list of integers")
    return values
