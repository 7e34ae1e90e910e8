"""Thinking signatures: opaque to clients, and only valid when this emulator issued them."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

_SIG_PREFIX = "emusig1:"


def sign(thinking: str) -> str:
    """An opaque signature over thinking text, as only this emulator issues them."""
    digest = hashlib.sha256(thinking.encode()).hexdigest()[:40]
    return base64.b64encode((_SIG_PREFIX + digest).encode()).decode()


def signature_ok(thinking: str, signature: Any) -> bool:
    return isinstance(signature, str) and signature == sign(thinking)
