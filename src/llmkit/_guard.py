"""The boundary between the dialects and the caller: whatever a dialect trips over in a body it did
not expect becomes a typed error here.

Dialects check the shapes they rely on, but a provider can drift in more ways than any parser
anticipates (``choices: [null]``, ``usage: "12"``, JSON nested 100,000 deep). Rather than let a
bare KeyError or RecursionError escape, every call of ``parse_chat``/``parse_embed``/
``parse_count_tokens``/``parse_error`` and every stream decoder runs behind a ``try`` here: free
when nothing raises.

The original exception is *not* kept as ``__cause__`` or ``__context__``: its message may quote
parts of the body, which are only shown after redaction (the excerpt in our message).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from llmkit.dialects import require
from llmkit.dialects._errors import class_for_status, make_error
from llmkit.dialects.base import ImagePoll
from llmkit.errors import ConfigurationError, LLMKitError, ProviderError, ResponseDecodeError
from llmkit.types import Completion, ReasoningPart, TextPart, Usage

if TYPE_CHECKING:
    from llmkit.dialects.base import (
        CallContext,
        ChatRequest,
        Dialect,
        EmbedRequest,
        ImageRequest,
        RerankRequest,
    )
    from llmkit.images import Images
    from llmkit.ranking import Ranking
    from llmkit.types import Embeddings, TokenCount
    from llmkit.wire import HttpResponse

_Req = TypeVar("_Req")
_Out = TypeVar("_Out")

_USAGE_FIELDS = (
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cached_input_tokens",
    "reasoning_tokens",
    "cache_creation_input_tokens",
)


def decode_error(
    exc: BaseException, what: str, provider: str, snippet: bytes | str | None
) -> ResponseDecodeError:
    """A ResponseDecodeError for a bare exception met while reading ``what``."""
    detail = str(exc)
    detail = f": {detail[:160]}" if detail else ""
    return ResponseDecodeError(
        f"[{provider}] {what} not understood ({type(exc).__name__}{detail})",
        provider=provider,
        snippet=snippet,
    )


def scrubbed(exc: LLMKitError, provider: str | None = None) -> LLMKitError:
    """``exc`` without a bare exception as its cause or context.

    A dialect's ``raise ResponseDecodeError(...) from None`` still leaves the JSONDecodeError as
    ``__context__``, and that holds the whole unredacted body in ``.doc``; the typed error's own
    message already carries a redacted excerpt.
    """
    if isinstance(exc, ResponseDecodeError) and exc.provider is None and provider is not None:
        # Dialect helpers that do not know the provider leave it to the boundary.
        exc.provider = provider
        exc.message = f"[{provider}] {exc.message}"
        exc.args = (exc.message,)
    if exc.__context__ is not None and not isinstance(exc.__context__, LLMKitError):
        exc.__context__ = None
    if exc.__cause__ is not None and not isinstance(exc.__cause__, LLMKitError):
        exc.__cause__ = None
    return exc


def check_usage(u: Usage) -> None:
    """Token counts are non-negative integers; anything else is a drifted body, not a count."""
    # min() of the six is one C call when they are all ints (the usual case); a str, None or a
    # float among them raises TypeError or fails the type test below.
    try:
        low = min(
            u.input_tokens,
            u.output_tokens,
            u.total_tokens,
            u.cached_input_tokens,
            u.reasoning_tokens,
            u.cache_creation_input_tokens,
        )
    except TypeError:
        low = -1
    # The type tests inline (not a helper): this runs on every response.
    if (
        low < 0
        or type(u.input_tokens) is not int
        or type(u.output_tokens) is not int
        or type(u.total_tokens) is not int
        or type(u.cached_input_tokens) is not int
        or type(u.reasoning_tokens) is not int
        or type(u.cache_creation_input_tokens) is not int
    ):
        bad = {name: getattr(u, name) for name in _USAGE_FIELDS}
        raise ValueError(f"usage is not made of non-negative integers: {bad}")


_OPT_STR = (str, type(None))


def check_completion(c: Completion) -> Completion:
    """Cheap checks on what every dialect builds: a few type tests per part."""
    if type(c.usage) is not Usage:
        raise TypeError(f"usage is {type(c.usage).__name__}")
    check_usage(c.usage)
    message = c.message
    content = message.content
    if type(content) is not str:
        for part in content:
            if isinstance(part, (TextPart, ReasoningPart)) and type(part.text) is not str:
                raise TypeError(f"a text part holds {type(part.text).__name__}, not a string")
    for call in message.tool_calls:
        if type(call.name) is not str or type(call.id) is not str:
            raise TypeError("a tool call's name or id is not a string")
    if (
        type(c.model) is not str
        or not isinstance(c.id, _OPT_STR)
        or not isinstance(c.raw_finish_reason, _OPT_STR)
    ):
        raise TypeError(
            f"the response's model, id or finish reason is not a string "
            f"({c.model!r}, {c.id!r}, {c.raw_finish_reason!r})"
        )
    return c


def build(fn: Callable[[_Req, CallContext], _Out], req: _Req, ctx: CallContext) -> _Out:
    """A dialect's ``build_*``: arguments the checks let through but the dialect cannot translate
    are still the caller's ConfigurationError, raised before anything is sent."""
    try:
        return fn(req, ctx)
    except LLMKitError:
        raise
    except Exception as exc:
        err = ConfigurationError(
            f"[{ctx.provider}] the request cannot be built from these arguments ({type(exc).__name__}: {exc})"
        )
    raise err


def parse_chat(dialect: Dialect, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
    try:
        return check_completion(dialect.parse_chat(resp, req, ctx))
    except LLMKitError as exc:
        raise scrubbed(exc, ctx.provider)
    except Exception as exc:
        err = decode_error(exc, "chat response", ctx.provider, resp.body)
    raise err


def parse_embed(dialect: Dialect, resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
    try:
        out = require(dialect, "embeddings").parse_embed(resp, req, ctx)
        check_usage(out.usage)
        for v in out.vectors:
            if type(v) is not list:
                raise TypeError("an embedding is not a list of numbers")
        return out
    except LLMKitError as exc:
        raise scrubbed(exc, ctx.provider)
    except Exception as exc:
        err = decode_error(exc, "embeddings response", ctx.provider, resp.body)
    raise err


def parse_count_tokens(dialect: Dialect, resp: HttpResponse, ctx: CallContext) -> TokenCount:
    try:
        out = require(dialect, "count_tokens").parse_count_tokens(resp, ctx)
        n = out.input_tokens
        if type(n) is not int or n < 0:
            raise ValueError(f"input_tokens is {n!r}, not a non-negative integer")
        return out
    except LLMKitError as exc:
        raise scrubbed(exc, ctx.provider)
    except Exception as exc:
        err = decode_error(exc, "count_tokens response", ctx.provider, resp.body)
    raise err


def check_images(out: Images | ImagePoll) -> Images | ImagePoll:
    """What every images dialect returns: images whose bytes are bytes (or None beside a URL)."""
    from llmkit.images import Images  # with the first image call, not with every chat call

    if isinstance(out, ImagePoll):
        return out
    if not isinstance(out, Images):
        raise TypeError(f"parse_images returned {type(out).__name__}")
    check_usage(out.usage)
    for image in out.images:
        if image.data is not None and type(image.data) is not bytes:
            raise TypeError("an image's data is not bytes")
        if image.data is None and image.url is None and not image.filtered:
            raise ValueError("an image has neither bytes nor a URL")
    return out


def parse_images(
    dialect: Dialect, resp: HttpResponse, req: ImageRequest, ctx: CallContext
) -> Images | ImagePoll:
    try:
        return check_images(require(dialect, "images").parse_images(resp, req, ctx))
    except LLMKitError as exc:
        raise scrubbed(exc, ctx.provider)
    except Exception as exc:
        err = decode_error(exc, "images response", ctx.provider, resp.body)
    raise err


def check_ranking(out: Ranking, req: RerankRequest) -> Ranking:
    """What every rerank dialect returns: distinct in-range indexes, numeric scores, best first,
    at most ``top_n`` results; ``document`` filled from the input when the caller asked for it."""
    from llmkit.ranking import RankedDocument, Ranking  # with the first rerank call

    if type(out) is not Ranking:
        raise TypeError(f"parse_rerank returned {type(out).__name__}")
    check_usage(out.usage)
    n, seen = len(req.documents), set()
    for r in out.results:
        if type(r.index) is not int or not 0 <= r.index < n or r.index in seen:
            raise ValueError(f"result index {r.index!r} is not a distinct position among {n} documents")
        if isinstance(r.relevance_score, bool) or not isinstance(r.relevance_score, (int, float)):
            raise TypeError(f"relevance_score {r.relevance_score!r} is not a number")
        seen.add(r.index)
    # Best first, whatever order the body listed them in (stable: ties keep the provider's order).
    out.results = sorted(out.results, key=lambda r: -r.relevance_score)
    if req.top_n is not None and len(out.results) > req.top_n:
        # Some servers (TEI) ignore top_n: the contract is the caller's, so it is kept here.
        out.results = out.results[: req.top_n]
    if req.return_documents:
        docs = req.documents
        out.results = [
            r if r.document is not None else RankedDocument(r.index, r.relevance_score, docs[r.index])
            for r in out.results
        ]
    return out


def parse_rerank(dialect: Dialect, resp: HttpResponse, req: RerankRequest, ctx: CallContext) -> Ranking:
    try:
        return check_ranking(require(dialect, "rerank").parse_rerank(resp, req, ctx), req)
    except LLMKitError as exc:
        raise scrubbed(exc, ctx.provider)
    except Exception as exc:
        err = decode_error(exc, "rerank response", ctx.provider, resp.body)
    raise err


def parse_error(dialect: Dialect, resp: HttpResponse, ctx: CallContext) -> ProviderError:
    """The dialect's error for a 4xx/5xx; if its body defeats the dialect, the status still decides
    the class (a 500 with a garbled body is a ServerError, retried as one)."""
    try:
        err = dialect.parse_error(resp, ctx)
        if isinstance(err, ProviderError):
            return err
        failure: Any = TypeError(f"parse_error returned {type(err).__name__}")
    except Exception as exc:  # a ResponseDecodeError too: the status must still be reported
        failure = exc
    text = resp.body[:500].decode("utf-8", "replace") if resp.body else None
    return make_error(
        class_for_status(resp.status),
        f"the error body could not be read ({type(failure).__name__})",
        resp,
        provider=ctx.provider,
        model=ctx.model,
        body=text,
    )
