"""Everything an exception drags along, and the check that no secret is in any of it.

Shared by the secrets tests (``_secrets_helpers`` re-exports ``assert_no_secret``) and the
transport tests (imported by name: tests/hardening/conftest.py puts this folder on sys.path)."""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote


def reachable(obj: Any, seen: set[int] | None = None, depth: int = 0) -> Iterator[Any]:
    """``obj`` and every object reachable from it: an exception's args, ``__cause__``,
    ``__context__``, ``__notes__``, attributes and slots; containers' items (dict keys too);
    llmkit objects' attributes; recursively."""
    seen = set() if seen is None else seen
    if id(obj) in seen or depth > 40:
        return
    seen.add(id(obj))
    yield obj
    children: list[Any] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            children += (k, v)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        children = list(obj)
    elif isinstance(obj, BaseException):
        notes = getattr(obj, "__notes__", None)
        children = [obj.args, obj.__cause__, obj.__context__, notes, dict(vars(obj))]
        for cls in type(obj).__mro__:  # slotted attributes
            children += [getattr(obj, name, None) for name in getattr(cls, "__slots__", ())]
    elif hasattr(obj, "__dict__") and type(obj).__module__.startswith("llmkit"):
        children = [dict(vars(obj))]
    for child in children:
        yield from reachable(child, seen, depth + 1)


def texts(obj: Any) -> Iterator[str]:
    """Every text reachable from ``obj``: strings and bytes as they are, the repr of anything
    else that is not a number or None, and the str of every exception."""
    for o in reachable(obj):
        if isinstance(o, (str, bytes)):
            yield o if isinstance(o, str) else o.decode("utf-8", "replace")
        elif not (isinstance(o, (int, float, bool)) or o is None):
            yield repr(o)
            if isinstance(o, BaseException):
                yield str(o)


def forms(secret: str) -> list[str]:
    """The secret as it may be written: raw, JSON-escaped, URL-encoded."""
    found = {secret, json.dumps(secret)[1:-1], quote(secret, safe="")}
    return [f for f in found if f]


def assert_no_secret(exc: BaseException, *secrets: str) -> None:
    """Fail if any secret (in any written form) is reachable from ``exc``, its pickle, or the
    unpickled copy; also check the copy is of the same type."""
    found = list(texts(exc))
    data = pickle.dumps(exc)
    again = pickle.loads(data)
    assert type(again) is type(exc), f"unpickled as {type(again).__name__}, not {type(exc).__name__}"
    found.append(data.decode("latin-1"))
    found += list(texts(again))
    for secret in secrets:
        for form in forms(secret):
            for text in found:
                assert form not in text, f"secret {secret[:4]}… reachable from the exception: {text[:300]!r}"
