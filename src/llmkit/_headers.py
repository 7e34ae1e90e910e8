"""The one header rule: later layers win, names compare case-insensitively. Pure.

HTTP header names are case-insensitive, so ``extra_headers={"content-type": ...}`` next to a
dialect's ``Content-Type`` is one header, not two. Every place that assembles a request's headers
(resolution, the client's last step before sending, the auth flows) goes through these helpers, so
a name is sent once whatever case each layer spelled it in. The layer that wins keeps its spelling
(a caller who writes ``X-Trace-Id`` sends ``X-Trace-Id``).

A leaf module: it imports nothing from llmkit, so every layer may use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping

__all__ = ["lowered", "merge", "put", "put_default", "under"]


def merge(*layers: Mapping[str, str] | None) -> dict[str, str]:
    """One dict from ``layers``, lowest first: a later layer's header replaces an earlier one of the
    same name in any case (its spelling and value); ``None`` layers are skipped."""
    out: dict[str, str] = {}
    names: dict[str, str] = {}  # lowercased -> the spelling now in ``out``
    for layer in layers:
        if not layer:
            continue
        for name, value in layer.items():
            low = name.lower()
            old = names.get(low)
            if old is not None and old != name:
                del out[old]
            names[low] = name
            out[name] = value
    return out


def put(headers: MutableMapping[str, str], name: str, value: str) -> None:
    """Set ``name`` in place, replacing the header of that name in any other case."""
    if name not in headers:  # llmkit holds each name once (merge, under), so an exact hit is the one
        low = name.lower()
        for other in tuple(headers):  # a copy (no comprehension frame): names are deleted from it
            if other.lower() == low:
                del headers[other]
    headers[name] = value


def put_default(headers: MutableMapping[str, str], name: str, value: str) -> None:
    """Set ``name`` unless a header of that name (in any case) is there already."""
    low = name.lower()
    if name not in headers and all(k.lower() != low for k in headers):
        headers[name] = value


def under(headers: MutableMapping[str, str], base: Iterable[tuple[str, str, str]]) -> None:
    """Add each ``(lowercased name, name, value)`` of ``base`` that ``headers`` lacks in any case.

    The client's last step: the dialect's own request headers (``content-type``, ``accept``, a
    merged ``anthropic-beta``) win over the call's (``ctx.headers``), as they always have; ``base``
    is lowercased once, when the call is resolved, so this costs one pass per request."""
    own: set[str] | None = None
    for low, name, value in base:
        if low in headers:  # the usual clash (dialects spell names in lower case): no lowering
            continue
        if own is None:
            own = set(map(str.lower, headers))
        if low not in own:
            headers[name] = value


def lowered(headers: Mapping[str, str]) -> tuple[tuple[str, str, str], ...]:
    """``headers`` as ``(lowercased name, name, value)`` triples, for ``under``."""
    return tuple((k.lower(), k, v) for k, v in headers.items())
