"""Embeddings: one vector per input text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from llmkit import _args as A
from llmkit import _guard
from llmkit._resolve import Resolved
from llmkit.dialects import require
from llmkit.dialects.base import EmbedRequest
from llmkit.operations.base import AWAITED, Common, Operation, Prepared, finish
from llmkit.operations.settings import Settings
from llmkit.types import Embeddings
from llmkit.wire import HttpResponse


@dataclass(slots=True)
class EmbedParams(Common):
    """Embed one or more texts: one vector per input, in order.

    ``inputs`` is a string or a non-empty list of strings; ``dimensions`` asks models that can
    shorten their vectors for that many numbers each.
    """

    inputs: str | Sequence[str]
    dimensions: int | None = None


def check_embed(p: EmbedParams) -> None:
    A.check_embed(p.inputs, p.dimensions)


def prepare_embed(s: Settings, p: EmbedParams, r: Resolved) -> Prepared[EmbedRequest]:
    items = [p.inputs] if isinstance(p.inputs, str) else list(p.inputs)
    req = EmbedRequest(r.ctx.model, items, p.dimensions, r.options, p.extra_body)
    return finish(s, r, _guard.build(require(r.dialect, "embeddings").build_embed, req, r.ctx), p, req)


def parse_embed(p: Prepared[EmbedRequest], resp: HttpResponse) -> Embeddings:
    r = p.resolved
    return _guard.parse_embed(r.dialect, resp, p.req, r.ctx)


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
)
