"""Status-to-exception mapping shared by every dialect; dialects refine it by error type/code."""

from __future__ import annotations

import json
import math
from typing import Any

from llmkit._retry_after import parse_retry_after as parse_retry_after
from llmkit.errors import (
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
)
from llmkit.framing.json_text import loads as scan_loads
from llmkit.wire import HttpResponse

_BY_STATUS: dict[int, type[ProviderError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    407: AuthenticationError,  # a forward proxy refusing (or wanting) its credentials
    404: NotFoundError,
    408: APITimeoutError,
    409: BadRequestError,
    413: BadRequestError,
    422: BadRequestError,
    429: RateLimitError,
    529: OverloadedError,
}


def class_for_status(status: int) -> type[ProviderError]:
    cls = _BY_STATUS.get(status)
    if cls is not None:
        return cls
    if status >= 500:
        return ServerError
    return BadRequestError if 400 <= status < 500 else ProviderError


def decode_body(resp: HttpResponse) -> Any:
    """The error body as JSON if it is JSON, else as (truncated) text."""
    try:
        return json.loads(resp.body) if resp.body else None
    except (ValueError, RecursionError):  # RecursionError: nested too deep to be an error body
        return resp.body[:2000].decode("utf-8", "replace")


def json_or_raise(body: bytes, what: str, provider: str) -> Any:
    """A successful response's JSON body; anything else is a typed ResponseDecodeError.

    ``json.loads(bytes)`` first guesses the encoding (BOMs, NUL patterns for UTF-16/32), decodes
    with ``surrogatepass``, then wraps the C scanner in Python frames and two regex matches. The
    short way is taken only where the answer cannot differ: a body opening with ``{`` and then a
    non-NUL byte is one json reads as UTF-8, and a strict UTF-8 decode that succeeds gives the
    text ``surrogatepass`` would give; ``json_text.loads`` is ``json.loads`` of that text. Any
    other body (a BOM, UTF-16, an encoded surrogate, invalid bytes, an array) takes json.loads.
    """
    if body[:1] == b"{" and body[1:2] != b"\x00":
        try:
            text: str | None = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None  # (outside the handler below: the decode error holds the body)
        if text is not None:
            try:
                return scan_loads(text)
            except (ValueError, RecursionError):
                pass
            raise ResponseDecodeError(f"{what} body is not JSON", provider=provider, snippet=body)
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        pass
    # Raised outside the handler: a JSONDecodeError keeps the whole body in ``.doc``, and must not
    # ride along as __context__ (the excerpt in the message is redacted).
    raise ResponseDecodeError(f"{what} body is not JSON", provider=provider, snippet=body)


def float_vector(values: Any, name: str = "an embedding") -> list[float]:
    """One embedding as floats: a non-empty list of finite JSON numbers, nothing else.

    ``float(x)`` alone would take True as 1.0 and "1.5" as 1.5; NaN and Infinity (which Python's
    JSON reader accepts) would poison every similarity computed from the vector.
    """
    if type(values) is not list or not values:
        raise ResponseDecodeError(f"{name} is {type(values).__name__}, not a non-empty list of numbers")
    out = [float(x) for x in values if type(x) is float or type(x) is int]
    if len(out) != len(values):
        bad = next(x for x in values if type(x) is not float and type(x) is not int)
        raise ResponseDecodeError(f"{name} holds {bad!r}, not a number")
    if not math.isfinite(sum(out)):  # NaN and +-Infinity survive a sum: one pass in C
        raise ResponseDecodeError(f"{name} holds NaN or Infinity")
    return out


def reason(value: Any, name: str) -> str | None:
    """A finish/stop reason as the wire gave it: absent is None; a number or object is drift (read
    as "other" it would hide why the answer ended)."""
    if value is None or type(value) is str:
        return value
    raise ResponseDecodeError(f"{name} is {value!r}, not a string")


def count(value: Any, name: str, *, digits: bool = False) -> int:
    """A token count as the wire gave it: null or absent is 0 (proto3 JSON leaves zeros out);
    anything but a non-negative integer is a drifted body. ``digits``: also accept a decimal
    string, which is how proto3 JSON writes 64-bit integers."""
    if value is None:
        return 0
    if type(value) is int and value >= 0:
        return value
    if digits and type(value) is str and value.isdigit():
        return int(value)
    raise ResponseDecodeError(f"{name} is {value!r}, not a token count")


def make_error(
    cls: type[ProviderError],
    message: str,
    resp: HttpResponse,
    *,
    provider: str,
    model: str,
    body: Any,
    error_type: str | None = None,
    error_code: str | None = None,
) -> ProviderError:
    kwargs: dict[str, Any] = {
        "status_code": resp.status,
        "provider": provider,
        "model": model,
        "request_id": resp.request_id,
        "body": body,
        "error_type": error_type,
        "error_code": error_code,
    }
    if issubclass(cls, RateLimitError):
        return cls(message, retry_after=parse_retry_after(resp.headers), **kwargs)
    return cls(message, **kwargs)
