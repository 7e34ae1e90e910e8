"""What the two drivers (``_sync_driver``, ``_async_driver``) share: stepping a flow, logging a
response, reporting a cache hit to the observers, the call's cache plan, and the lazy default
image fetcher."""

from __future__ import annotations

import logging
import time
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, TypeVar

from llmkit._retry import Action, Send, Sleep
from llmkit.auth.base import Blocking, Join
from llmkit.errors import LLMKitError
from llmkit.operations.base import (
    Common,
    Declaration,
    Operation,
    Prepared,
    StreamOperation,
)
from llmkit.operations.settings import Settings
from llmkit.wire import DEFAULT_IMAGE_FETCHER, HttpRequest, HttpResponse

# The cache and observer machinery (llmkit.cache, llmkit.observe, llmkit._observed) loads only
# for a client or call that configures it: a plain first call imports none of it (issue 17).
if TYPE_CHECKING:
    from llmkit._observed import Watch
    from llmkit.cache._lookup import Lookup

log = logging.getLogger("llmkit")

P = TypeVar("P", bound=Common)
R = TypeVar("R")
T = TypeVar("T")


# What a flow yields; anything else is what it returned (a response, or an operation's result).
ACTIONS = frozenset({Send, Sleep, Blocking, Join})


def advance(flow: Generator[Action, Any, Any], result: Any, error: LLMKitError | None) -> Any:
    """One step of a flow: the next action it asks for, or what it returned (the response, or
    the result of an operation that runs its own flow)."""
    try:
        return flow.send(result) if error is None else flow.throw(error)
    except StopIteration as done:
        return done.value


def log_response(req: HttpRequest, resp: HttpResponse, started: float) -> None:
    # Metadata only: never URLs with queries, headers or bodies.
    log.debug(
        "%s %s -> %s in %.1f ms (request id %s)",
        req.method,
        req.url.split("?", 1)[0],
        resp.status,
        (time.perf_counter() - started) * 1000,
        resp.request_id,
    )


JOIN_TIMEOUT = "total timeout reached while waiting for another call's token refresh"


def observed_hit(s: Settings, op: Operation[Any, Any], params: Any, prepared: Prepared[Any], hit: Any) -> Any:
    """A cache hit, reported to the observers (if any) as a call with ``cache_hit`` marked."""
    if s.observers:
        from llmkit._observed import Watch

        w = Watch(s.observers)
        w.begin(op.name, prepared, params, False, cache_hit=True)
        w.succeed(hit)
    return hit


def begin_hit(w: Watch | None, op: StreamOperation[Any], params: Any, prepared: Prepared[Any]) -> None:
    if w is not None:
        w.begin(op.name, prepared, params, True, cache_hit=True)


class _LazyFetcher:
    """The default image-URL fetcher GeneratedImage.fetch uses, registered with the clients;
    ``llmkit._fetch`` loads on the first fetch, not with every chat call (issue 17)."""

    def fetch(self, url: str) -> tuple[bytes, str]:
        from llmkit._fetch import Fetcher

        return Fetcher().fetch(url)

    async def afetch(self, url: str) -> tuple[bytes, str]:
        from llmkit._fetch import Fetcher

        return await Fetcher().afetch(url)


# Into wire's slot, not through llmkit.images: a chat call does not load the images module.
if not DEFAULT_IMAGE_FETCHER:
    DEFAULT_IMAGE_FETCHER.append(_LazyFetcher())


def cache_plan(op: Declaration[Any], s: Settings, params: Common, prepared: Prepared[Any]) -> Lookup | None:
    """The call's cache lookup; None (two attribute reads, nothing imported) when no cache is asked."""
    if getattr(params, "cache", None) is None and s.cache is None:
        return None
    from llmkit.operations import _caching

    return _caching.plan(op, s, params, prepared)
