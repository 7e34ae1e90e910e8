"""Typed content parts checked field by field before a dialect sees them.

Dataclasses do not enforce their annotations, so ``ImagePart(data=b"...")`` would otherwise reach a
dialect and be sent as ``"b'...'"`` or fail JSON encoding with a message about NaN.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmkit.errors import ConfigurationError
from llmkit.types import AudioPart, DocumentPart, ImagePart, ReasoningPart, TextPart

# What each typed part's fields may hold: (field, allowed types).
_STR = (str,)
_OPT = (str, type(None))
_PART_FIELDS: dict[type, tuple[tuple[str, tuple[type, ...]], ...]] = {
    TextPart: (("text", _STR),),
    ImagePart: (("url", _OPT), ("data", _OPT), ("media_type", _OPT), ("detail", _OPT)),
    DocumentPart: (("url", _OPT), ("data", _OPT), ("media_type", _STR), ("title", _OPT)),
    AudioPart: (("data", _STR), ("format", _STR)),
    ReasoningPart: (("text", _STR), ("signature", _OPT), ("redacted_data", _OPT)),
}


def check_part(p: Any, i: int, j: int) -> None:
    fields = _PART_FIELDS.get(type(p))
    where = f"messages[{i}].content[{j}]"
    if fields is None:
        raise ConfigurationError(
            f"{where} is a {type(p).__name__}; pass a TextPart, ImagePart, DocumentPart, AudioPart, "
            "ReasoningPart, a string or an OpenAI-style part dict"
        )
    for name, allowed in fields:
        value = getattr(p, name)
        if not isinstance(value, allowed):
            hint = (
                " (inline data is base64 text: base64.b64encode(raw).decode())"
                if isinstance(value, (bytes, bytearray, memoryview))
                else ""
            )
            want = "a string" if allowed is _STR else "a string or None"
            raise ConfigurationError(
                f"{where}: {type(p).__name__}.{name} must be {want}, not {type(value).__name__}{hint}"
            )
    cache = getattr(p, "cache_control", None)
    if cache is not None and not isinstance(cache, Mapping):
        raise ConfigurationError(f"{where}: {type(p).__name__}.cache_control must be a dict")
    if isinstance(p, (ImagePart, DocumentPart)) and p.url is None and p.data is None:
        raise ConfigurationError(f"{where}: {type(p).__name__} needs url= or data= (base64 text)")
