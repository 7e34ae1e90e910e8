"""Cached results as bytes, and back: JSON with tagged llmkit types, decoded by an allow-list.

No pickle: a cache shared through Redis is written by every process that can reach it, and
unpickling what another wrote would run its code. An entry names only the result types below;
anything else in it (an unknown tag, a wrong field) makes the entry unreadable, which the cache
treats as a miss.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from typing import Any

from llmkit import types as T
from llmkit.ranking import RankedDocument, Ranking

# Bumped when the stored shape changes: the key includes it, so old entries are never read.
FORMAT = 1

_TAG = "$"
_TUPLE = "$t"
_DICT = "$d"  # a plain dict whose keys would be mistaken for a tag

_CLASSES: tuple[type, ...] = (
    T.Completion,
    T.Message,
    T.TextPart,
    T.ImagePart,
    T.DocumentPart,
    T.AudioPart,
    T.ReasoningPart,
    T.Usage,
    T.Citation,
    T.Embeddings,
    T.TextDelta,
    T.ToolCallDelta,
    T.ReasoningDelta,
    T.RefusalDelta,
    T.UsageUpdate,
    T.Finish,
    T.CitationsUpdate,
    Ranking,
    RankedDocument,
)
_BY_NAME: dict[str, type] = {c.__name__: c for c in _CLASSES}
# Not stored: whether the result was a hit (set on the way out), and ``parsed`` (structured output
# is decoded again from the text on a hit, with the caller's own validator).
_SKIP = frozenset({"cached", "parsed"})
_FIELDS: dict[type, tuple[str, ...]] = {
    c: tuple(f.name for f in dataclasses.fields(c) if f.init and f.name not in _SKIP) for c in _CLASSES
}


class EntryError(ValueError):
    """An entry this version cannot read (another version's, or not one of ours): a miss."""


def encode(value: Any) -> bytes:
    return json.dumps(_out(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def decode(data: bytes) -> Any:
    try:
        return _in(json.loads(data))
    except EntryError:
        raise
    except (ValueError, TypeError, KeyError, RecursionError) as exc:
        raise EntryError(f"unreadable cache entry ({type(exc).__name__})") from None


def _out(v: Any) -> Any:
    if v is None or isinstance(v, (str, bool, int, float)):
        # FinishReason is a StrEnum: tagged so it comes back as the enum.
        if isinstance(v, T.FinishReason):
            return {_TAG: "FinishReason", "v": v.value}
        return v
    if isinstance(v, list):
        return [_out(x) for x in v]
    if isinstance(v, tuple):
        return {_TUPLE: [_out(x) for x in v]}
    if isinstance(v, T.ToolCall):
        return {_TAG: "ToolCall", "id": v.id, "name": v.name, "raw": v.raw_arguments}
    fields = _FIELDS.get(type(v))
    if fields is not None:
        out = {f: _out(getattr(v, f)) for f in fields}
        out[_TAG] = type(v).__name__
        return out
    if isinstance(v, Mapping):
        if any(type(k) is not str or k.startswith(_TAG) for k in v):
            return {_DICT: [[_out(k), _out(x)] for k, x in v.items()]}
        return {k: _out(x) for k, x in v.items()}
    # A provider's raw payload holding something JSON cannot (bytes from a binary frame): the
    # entry is not written rather than written wrong.
    raise TypeError(f"{type(v).__name__} cannot be cached")


def _in(v: Any) -> Any:
    if isinstance(v, list):
        return [_in(x) for x in v]
    if not isinstance(v, dict):
        return v
    if _TUPLE in v:
        return tuple(_in(x) for x in v[_TUPLE])
    if _DICT in v:
        return {_in(k): _in(x) for k, x in v[_DICT]}
    tag = v.get(_TAG)
    if tag is None:
        return {k: _in(x) for k, x in v.items()}
    make = _SPECIAL.get(tag)
    if make is not None:
        return make(v)
    cls = _BY_NAME.get(tag)
    if cls is None:
        raise EntryError(f"unknown type {tag!r} in a cache entry")
    names = _FIELDS[cls]
    if set(v) - {_TAG} - set(names):
        raise EntryError(f"unexpected fields for {tag} in a cache entry")
    return cls(**{k: _in(x) for k, x in v.items() if k != _TAG})


_SPECIAL: dict[str, Callable[[dict[str, Any]], Any]] = {
    "FinishReason": lambda v: T.FinishReason(v["v"]),
    "ToolCall": lambda v: T.ToolCall(str(v["id"]), str(v["name"]), str(v["raw"])),
}
