"""The response cache at a call: whether it applies, what a hit becomes, what a miss stores.

The drivers call ``plan`` after preparing a call (so a hit has passed every argument check and
resolved its provider, and its key is over the request as it would be sent), read the store,
and hand a hit to ``from_hit``; on a miss they store ``entry`` of the result. Streams are
recorded as their events and replayed through the same ``Stream`` (``llmkit.cache._replay``).
"""

from __future__ import annotations

from typing import Any

from llmkit._stream import _StreamCore
from llmkit.cache._lookup import Lookup, lookup
from llmkit.cache._policy import call_policy
from llmkit.cache._replay import record, recorded, replay
from llmkit.operations.base import Common, Declaration, Prepared
from llmkit.operations.chat import structured
from llmkit.operations.settings import Settings
from llmkit.ranking import Ranking
from llmkit.types import Completion, Embeddings

# What each cacheable operation's result is; the others take no ``cache=``.
_RESULTS: dict[str, type] = {"chat": Completion, "embed": Embeddings, "rerank": Ranking}


def plan(op: Declaration[Any], s: Settings, params: Common, prepared: Prepared[Any]) -> Lookup | None:
    """The call's cache lookup, or None when no cache applies (the plain call: two attribute reads)."""
    asked = getattr(params, "cache", None)
    if asked is None and s.cache is None:
        return None
    policy = call_policy(asked, s.cache)
    if policy is None:
        return None
    # A call sent in batches (embed) keeps them in ``check``: the key covers every one.
    batches = prepared.check if type(prepared.check) is list else (prepared,)
    return lookup(policy, op.name, prepared.resolved.spec.name, [b.request for b in batches])


def from_hit(op: Declaration[Any], prepared: Prepared[Any], value: Any) -> Any:
    """A stored result as this call's answer, marked ``cached``; None if the entry does not fit."""
    expected = _RESULTS.get(op.name)
    if expected is None or type(value) is not expected:
        return None
    result: Any = value
    result.cached = True
    if op.name == "chat":
        # Structured output is decoded again with this call's validator (``parsed`` is not stored).
        return structured(result, prepared.check)
    return result


def entry(look: Lookup, result: Any) -> bytes | None:
    if getattr(result, "cached", False):
        return None
    return look.entry(result)


def replay_hit(core: _StreamCore, value: Any) -> bool:
    """Turn the core into a replay of a stored stream; False if the entry is not a stream's."""
    try:
        replay(core, value)
    except (TypeError, KeyError):
        return False
    return True


def record_stream(core: _StreamCore) -> None:
    record(core)


def stream_entry(look: Lookup, core: _StreamCore) -> bytes | None:
    value = recorded(core)
    return None if value is None else look.entry(value)
