"""What the image dialects share: a decoded image slot (``Made``) and base64 both ways.

Bedrock's image bodies and Gemini's (Imagen predictions, inline parts) both carry images as
base64 text; their parsers produce ``Made`` slots, and ``decode_b64`` turns a slot's text into
bytes or a typed error, never a bare ``binascii.Error``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from llmkit.errors import ResponseDecodeError
from llmkit.types import FinishReason


@dataclass(frozen=True, slots=True)
class Made:
    """One decoded image slot (before it becomes the operation's image type)."""

    b64: str | None
    mime_type: str | None
    finish_reason: FinishReason = FinishReason.STOP
    raw_finish_reason: str | None = None
    seed: int | None = None
    revised_prompt: str | None = None
    url: str | None = None


def decode_b64(text: str, provider: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ResponseDecodeError("an image's base64 data does not decode", provider=provider) from None


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
