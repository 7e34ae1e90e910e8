"""``Retry-After``: how long a server asked us to wait, read from the response headers.

A foundation module (stdlib only): the retry policy (``_retry``) and every dialect's error
mapping (``dialects/_errors``) read it, and neither may import the other's layer for it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

__all__ = ["parse_retry_after"]


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait.

    ``retry-after-ms`` first, then ``retry-after`` as seconds or as an HTTP date.
    """
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            value = float(ms) / 1000
            if value >= 0 and value == value and value != float("inf"):
                return value
        except ValueError:
            pass
    ra = headers.get("retry-after")
    if not ra:
        return None
    try:
        value = float(ra)
    except ValueError:
        try:
            when = parsedate_to_datetime(ra)
            # An absurd zone offset ("-9999999999999") overflows building the datetime.
            delta = when.timestamp() - time.time() if when is not None else None
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if delta is None:
            return None
        # A date in the past says nothing useful: fall back to our own backoff.
        return delta if delta > 0 else None
    if value != value or value in (float("inf"), float("-inf")) or value < 0:
        return None
    return value
