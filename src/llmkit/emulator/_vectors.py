"""What the Voyage, Jina and TEI emulators share: deterministic fake vectors and relevance
scores, a rough token count, and the scripted faults every handler answers the same way.

Written from no dialect: a vector is a hash of the text (unit length when asked), a score the
share of the query's words a document holds, so tests can predict both."""

from __future__ import annotations

import base64
import hashlib
import math
import struct
from typing import Any, TypeGuard

from llmkit.emulator.script import Script
from llmkit.emulator.server import Reply

DEFAULT_DIM = 8  # short vectors keep 1,000-input batches small; a request may ask for more


def fake_vector(text: str, dim: int = DEFAULT_DIM, normalize: bool = True) -> list[float]:
    seed = hashlib.sha256(text.encode()).digest()
    raw = [((seed[i % 32] + 31 * i) % 251) / 125.0 - 1.0 for i in range(dim)]
    if not normalize:
        return raw
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    return [round(x / norm, 6) for x in raw]


def quantized(vec: list[float], dtype: str) -> list[int] | list[float]:
    """The vector in ``dtype``: int8/uint8 scaled, binary/ubinary one bit per number packed 8 to a
    byte (as Voyage and Jina document), float unchanged."""
    if dtype == "int8":
        return [max(-128, min(127, round(x * 127))) for x in vec]
    if dtype == "uint8":
        return [max(0, min(255, round((x + 1) * 127.5))) for x in vec]
    if dtype in ("binary", "ubinary"):
        out = []
        for i in range(0, len(vec), 8):
            byte = 0
            for x in vec[i : i + 8]:
                byte = (byte << 1) | (1 if x > 0 else 0)
            out.append(byte - 128 if dtype == "binary" else byte)
        return out
    return vec


def b64(values: list[int] | list[float], dtype: str) -> str:
    code = {"int8": "b", "binary": "b", "uint8": "B", "ubinary": "B"}.get(dtype, "f")
    return base64.b64encode(struct.pack(f"<{len(values)}{code}", *values)).decode()


def tokens(text: str) -> int:
    return max(1, len(text.split()))


def score(query: str, doc: str) -> float:
    words = set(query.lower().split())
    have = set(doc.lower().split())
    share = len(words & have) / len(words) if words else 0.0
    tie = hashlib.sha256(doc.encode()).digest()[0] / 25600.0  # < 0.01, keeps order stable
    return round(min(1.0, share * 0.98 + tie), 6)


def fault(script: Script) -> Reply | None:
    """A scripted malformed body or dropped connection, shared by every vector handler."""
    if script.fault == "disconnect":
        return Reply(disconnect=True)
    if script.fault == "malformed":
        return Reply(200, {"content-type": "application/json"}, b'{"data": [{"embedding": [0.1, ')
    if script.fault == "html_error":
        status = script.error.status if script.error else 502
        return Reply(status, {"content-type": "text/html"}, b"<html><body>502 Bad Gateway</body></html>")
    return None


def is_str_list(value: Any, limit: int) -> TypeGuard[list[str]]:
    return type(value) is list and 0 < len(value) <= limit and all(type(s) is str for s in value)
