"""``Timeout``: the three limits of a call, and how a transport turns a remainder into a phase limit.

Low in the graph (it needs only the defaults and the error types) so that the retry policy, the
clients and both transports share one definition without transport importing anything above it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from llmkit import _constants as C
from llmkit.errors import ConfigurationError

__all__ = ["MIN_TIMEOUT", "Timeout", "phase"]


@dataclass(frozen=True, slots=True)
class Timeout:
    """Seconds: ``connect`` to open a connection, ``read`` between bytes, ``total`` for the whole call.

    Each is a positive number, or None for no limit on that phase. Zero, negative, NaN or infinite
    values are refused with a ConfigurationError (a zero timeout could only ever fail).
    """

    connect: float | None = C.DEFAULT_CONNECT_TIMEOUT
    read: float | None = C.DEFAULT_READ_TIMEOUT
    total: float | None = None

    def __post_init__(self) -> None:
        for name in ("connect", "read", "total"):
            value = getattr(self, name)
            if value is not None and not _positive(value):
                raise ConfigurationError(
                    f"Timeout.{name} must be a positive number of seconds or None (no limit), not {value!r}"
                )

    @classmethod
    def of(cls, value: float | Timeout | None, default: Timeout | None = None) -> Timeout:
        """``timeout=`` as given to a call or a client: None for the default, a Timeout, or a
        positive number of seconds."""
        if value is None:
            return default or cls()
        if isinstance(value, Timeout):
            return value
        if not _positive(value):
            raise ConfigurationError(
                f"timeout must be a positive number of seconds, a Timeout(...), or None for the default; "
                f"got {value!r}"
            )
        # A bare number bounds each phase (as in the official SDKs), not the whole call: a long
        # stream that keeps producing is not cut. Use Timeout(total=...) for a hard deadline.
        return cls(connect=min(float(value), C.DEFAULT_CONNECT_TIMEOUT), read=float(value))


def _positive(value: Any) -> bool:
    # bool is an int, but timeout=True is a mistake, not one second.
    return isinstance(value, (int, float)) and type(value) is not bool and 0 < value < math.inf


# httpx2 turns a 0 s timeout into a non-blocking socket (a confusing connect error) and aiohttp
# reads 0 as "no timeout at all"; both transports instead treat any value below this as this,
# so 0 (or a tiny remainder of a total deadline) is a prompt APITimeoutError on either side.
MIN_TIMEOUT = 0.001


def phase(seconds: float | None) -> float | None:
    """One phase's limit as a transport passes it on: None stays None, anything tiny is MIN_TIMEOUT."""
    return None if seconds is None else seconds if seconds >= MIN_TIMEOUT else MIN_TIMEOUT
