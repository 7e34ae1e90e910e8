"""Embeddings: one vector per input text, in order, batched past the provider's limits.

The call is one flow (``Operation.run``): the planner (``operations._batching``) cuts the inputs
into requests under the spec's documented per-request limits (``EmbeddingSpec``), every request
is built here before anything is sent (a bad argument fails before the first byte), then the
requests go one after another, each with the call's retry policy, within the call's deadline.
Sequential, not concurrent, on purpose: a list long enough to need batches is also what runs into
a provider's rate limit, and batches sent together would turn one limit into many 429s (each
retried); one flow also serves both drivers unchanged. The vectors join in input order and the
usage is summed; the first batch that fails fails the call with its own typed error (a note says
which batch), and the vectors of the batches before it are dropped: a partial result whose
indices no longer match the inputs would be worse than none.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmkit import _args as A
from llmkit import _guard
from llmkit._resolve import Resolved
from llmkit._retry import Action, Timeout
from llmkit.dialects import require
from llmkit.dialects.base import EmbedRequest
from llmkit.errors import APITimeoutError, ConfigurationError, LLMKitError
from llmkit.operations.base import AWAITED, Common, Operation, Prepared, finish, flow, parse_response
from llmkit.operations.settings import Settings
from llmkit.providers.spec import ENCODINGS, INPUT_TYPES, EmbeddingSpec
from llmkit.types import Embeddings, Usage
from llmkit.wire import HttpResponse

if TYPE_CHECKING:
    from llmkit.cache import CachePolicy

_NO_SPEC = EmbeddingSpec()


@dataclass(slots=True)
class EmbedParams(Common):
    """Embed one or more texts: one vector per input, in order.

    ``inputs`` is a string or a non-empty list of strings; a list longer than the provider takes
    in one request is sent in batches (in order, usage summed). ``dimensions`` asks models that
    can shorten their vectors for that many numbers each. ``input_type`` says what the texts are
    for: ``"query"`` or ``"document"`` (retrieval), ``"classification"``, ``"clustering"`` or
    ``"similarity"``, mapped to each provider's own name; ``encoding`` asks for ``"float"``
    (the default), ``"base64"`` (floats sent packed, returned as floats), or the quantised
    ``"int8"``, ``"uint8"``, ``"binary"``, ``"ubinary"`` (returned as integers). A value the
    provider does not offer is a ConfigurationError naming the ones it does, before sending.
    ``cache=True`` (or a ``CachePolicy``) answers from the response cache when the same texts
    were embedded the same way before; a hit has ``.cached`` set.
    """

    inputs: str | Sequence[str]
    dimensions: int | None = None
    input_type: str | None = None
    encoding: str | None = None
    cache: bool | CachePolicy | None = None


def check_embed(p: EmbedParams) -> None:
    A.check_embed(p.inputs, p.dimensions)
    for what, value in (("input_type", p.input_type), ("encoding", p.encoding)):
        if value is not None and type(value) is not str:
            raise ConfigurationError(f"{what} must be a string, not {type(value).__name__}")
    if p.encoding is not None and p.encoding not in ENCODINGS:
        raise ConfigurationError(f"encoding must be one of {', '.join(ENCODINGS)}, not {p.encoding!r}")


def _wire(provider: str, model: str, what: str, value: str | None, offered: dict[str, str]) -> str | None:
    """The provider's wire value for a normalised one (or for its own wire value, taken as it is:
    ``input_type="search_query"`` on Cohere), or the refusal naming what it offers."""
    if value is None:
        return None
    if value in offered:
        return offered[value]
    if value in offered.values():
        return value
    if what == "encoding" and value == "float" and not offered:
        return None  # floats are every provider's default
    has = ", ".join(f"{k} ({v})" if k != v else k for k, v in offered.items()) or "none"
    if what == "encoding" and not offered:
        has = "float only"
    known = f" (llmkit's names: {', '.join(INPUT_TYPES)})" if what == "input_type" else ""
    raise ConfigurationError(f"[{provider}] {model} does not offer {what}={value!r}; it offers: {has}{known}")


def _input_type(r: Resolved, es: EmbeddingSpec | None, value: str | None) -> tuple[str | None, bool]:
    """The wire input type, and whether it goes as the dialect's own ``input_type`` option: a
    spec with no ``EmbeddingSpec`` whose dialect took ``input_type=`` as a provider option
    before the parameter existed (OCI, SAP) keeps it, the value passed as given."""
    if value is None:
        return None, False
    if es is None and "input_type" in (r.dialect.options | r.spec.body_options.keys()):
        return value, True
    offered = dict(es.for_model(r.ctx.model).input_types) if es is not None else {}
    return _wire(r.spec.name, r.ctx.model, "input_type", value, offered), False


def embedding_spec(r: Resolved) -> EmbeddingSpec:
    """The spec's embeddings entry for the call's model (no limits when it declares none)."""
    spec = r.spec.embedding
    return _NO_SPEC if spec is None else spec.for_model(r.ctx.model)


def prepare_embed(s: Settings, p: EmbedParams, r: Resolved) -> Prepared[EmbedRequest]:
    items = [p.inputs] if isinstance(p.inputs, str) else list(p.inputs)
    es = embedding_spec(r)
    model = r.ctx.model
    encodings = dict(es.encodings)
    if encodings and "float" not in encodings:
        encodings = {"float": "float", **encodings}
    input_type, as_option = _input_type(r, r.spec.embedding, p.input_type)
    options = {**r.options, "input_type": input_type} if as_option else r.options
    encoding = _wire(r.spec.name, model, "encoding", p.encoding, encodings)
    build = require(r.dialect, "embeddings").build_embed
    batches: list[tuple[EmbedRequest, Any]] = []
    from llmkit.operations._batching import plan_batches  # loaded with the first embed call

    for start, stop in plan_batches(items, es.max_inputs, es.max_tokens):
        req = EmbedRequest(
            model,
            items[start:stop],
            p.dimensions,
            options,
            p.extra_body,
            input_type,
            encoding,
            p.input_type,
            p.encoding,
        )
        batches.append((req, _guard.build(build, req, r.ctx)))
    first, http = batches[0]
    prepared = finish(s, r, http, p, first)
    # The other batches' requests get the same query and headers as the first (finish is pure).
    prepared.check = [prepared] + [
        dataclasses.replace(prepared, request=finish(s, r, h, p, q).request, req=q) for q, h in batches[1:]
    ]
    return prepared


def parse_embed(p: Prepared[EmbedRequest], resp: HttpResponse) -> Embeddings:
    r = p.resolved
    return _guard.parse_embed(r.dialect, resp, p.req, r.ctx)


def _parsed(p: Prepared[EmbedRequest], resp: HttpResponse) -> Embeddings:
    return parse_response(EMBED, p, resp)  # behind the guard every operation shares


def run_embed(p: Prepared[EmbedRequest]) -> Generator[Action, Any, Embeddings]:
    """Every batch in order, within the call's deadline; the results joined."""
    batches: list[Prepared[EmbedRequest]] = p.check if p.check else [p]
    if len(batches) == 1:
        return _parsed(p, (yield from flow(p, False)))
    total = p.timeout.total
    deadline = None if total is None else p.policy.clock() + total
    parts: list[Embeddings] = []
    done = 0
    for k, b in enumerate(batches, 1):
        if deadline is not None:
            b = dataclasses.replace(b, timeout=_left(p, deadline, k, len(batches)))
        try:
            parts.append(_parsed(b, (yield from flow(b, False))))
        except LLMKitError as exc:
            exc.add_note(
                f"embed: batch {k} of {len(batches)} (inputs {done}..{done + len(b.req.inputs) - 1})"
                " failed; the vectors of the batches before it were dropped"
            )
            raise
        done += len(b.req.inputs)
    return joined(parts)


def _left(p: Prepared[EmbedRequest], deadline: float, k: int, n: int) -> Timeout:
    """The call's timeout with what is left of its total, for batch ``k``."""
    left = deadline - p.policy.clock()
    if left <= 0:
        raise APITimeoutError(
            f"[{p.resolved.spec.name}] the total timeout ({p.timeout.total} s) ran out before "
            f"batch {k} of {n} of the embeddings was sent"
        )
    return Timeout(connect=p.timeout.connect, read=p.timeout.read, total=left)


def joined(parts: Sequence[Embeddings]) -> Embeddings:
    """The batches' answers as one: vectors in order, usage summed, each batch's raw body kept."""
    usage = Usage(
        input_tokens=sum(e.usage.input_tokens for e in parts),
        output_tokens=sum(e.usage.output_tokens for e in parts),
        total_tokens=sum(e.usage.total_tokens for e in parts),
    )
    vectors = [v for e in parts for v in e.vectors]
    return Embeddings(vectors, usage, parts[0].model, parts[0].provider, [e.raw for e in parts])


EMBED: Operation[EmbedParams, Embeddings] = Operation(
    name="embed",
    method="embed",
    capability="embeddings",
    what="embeddings",
    params=EmbedParams,
    check=check_embed,
    prepare=prepare_embed,
    returns="Embeddings",
    async_returns="Embeddings",
    async_note=AWAITED,
    parse=parse_embed,
    run=run_embed,
)
