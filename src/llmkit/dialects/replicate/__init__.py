"""Replicate's HTTP API: predictions, run as jobs (create, wait, poll or stream).

``POST {base}/models/{owner}/{name}/predictions`` (or ``/predictions`` with a ``version``, or
``/deployments/{owner}/{name}/predictions``; see ``_address``) creates a prediction. With
``Prefer: wait`` Replicate holds the request until the prediction ends or up to 60 s; an
unfinished one is then polled at ``urls.get`` (0.5 s, doubling to 5 s, within the call's
deadline; past it ``urls.cancel`` is sent), and a streamed call reads ``urls.stream`` (SSE,
``_stream``). The waits are the flow's ``Sleep`` actions (``follow_up``, the ``JobDialect``
protocol; ``llmkit.operations._jobs`` runs it). A poll or stream URL on another host than the
API's own is refused: the key goes with it. Sources: Replicate's HTTP API reference
(https://replicate.com/docs/reference/http) and replicate-python 1.0.7 (``prediction.py``,
``stream.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from llmkit.dialects.base import CallContext, ChatRequest, FollowUp, ImagePoll, ImageRequest, Quirks
from llmkit.dialects.replicate import _images
from llmkit.dialects.replicate._address import target
from llmkit.dialects.replicate._request import chat_input, hold, merged_input, prediction_body, prefer
from llmkit.dialects.replicate._response import TERMINAL, classify, completion, failed, job_url, prediction
from llmkit.dialects.replicate._stream import ReplicateStreamDecoder
from llmkit.errors import ProviderError
from llmkit.images import Images
from llmkit.types import Completion
from llmkit.wire import HttpRequest, HttpResponse, dumps

__all__ = ["DIALECT", "OPTIONS", "ReplicateDialect", "ReplicateQuirks", "ReplicateStreamDecoder"]

OPTIONS = frozenset({"input", "wait", "webhook", "webhook_events_filter"})
_POLL_FIRST, _POLL_MAX = 0.5, 5.0


@dataclass(frozen=True, slots=True)
class ReplicateQuirks(Quirks):
    # API host -> host suffixes its prediction streams are served from (the stream URL is on a
    # host of its own, ``stream-b.svc.rno2.c.replicate.net``): the only other hosts the key goes to.
    stream_hosts: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: {"api.replicate.com": (".replicate.net", ".replicate.com")}
    )


_DEFAULT_QUIRKS = ReplicateQuirks()


def quirks_of(ctx: CallContext) -> ReplicateQuirks:
    q = ctx.spec.quirks
    return q if isinstance(q, ReplicateQuirks) else _DEFAULT_QUIRKS


def create_request(
    inp: dict[str, object], model: str, options: Mapping[str, object], stream: bool, ctx: CallContext
) -> HttpRequest:
    where = target(model, ctx.provider)
    body = prediction_body(dict(inp), where.body, options, stream)
    headers = {"content-type": "application/json", "accept": "application/json"}
    wait = prefer(options, stream)
    if wait is not None:
        headers["prefer"] = wait
    return HttpRequest("POST", ctx.base_url.rstrip("/") + where.path, headers, dumps(body), body)


def poll_delay(step: int, ctx: CallContext) -> float:
    """Seconds before poll ``step``: ``poll_interval`` (0.5 s unless set), doubling, at most 5 s."""
    first = float(ctx.params.get("poll_interval") or _POLL_FIRST)
    return min(first * 2.0 ** (step - 1), max(_POLL_MAX, first))


class ReplicateDialect:
    name = "replicate"
    options = OPTIONS
    quirks_type = ReplicateQuirks

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        return create_request(chat_input(req, ctx.provider), req.model, req.options, req.stream, ctx)

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
        return completion(resp, ctx)

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> ReplicateStreamDecoder:
        return ReplicateStreamDecoder(ctx)

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return classify(resp, ctx)

    def image_parameters(self, model: str, ctx: CallContext) -> frozenset[str]:
        return _images.family(model)

    def build_images(self, req: ImageRequest, ctx: CallContext) -> HttpRequest:
        inp = _images.image_input(req, ctx.provider)
        return create_request(
            merged_input(inp, req.options, ctx.provider), req.model, req.options, False, ctx
        )

    def parse_images(self, resp: HttpResponse, req: ImageRequest, ctx: CallContext) -> Images | ImagePoll:
        return _images.parse(resp, req, ctx)

    def hold(self, request: HttpRequest, seconds: float) -> HttpRequest:
        """The create request held no longer than the call's deadline leaves: ``Prefer: wait``
        (Replicate's 60 s) or ``wait=N`` capped to the whole seconds left (at least 1); the
        deadline then still has the time to poll or cancel."""
        return hold(request, seconds)

    def follow_up(
        self, resp: HttpResponse, req: object, step: int, stream: bool, ctx: CallContext
    ) -> FollowUp | None:
        if not isinstance(req, ChatRequest):
            return None  # generate_image polls through parse_images' ImagePoll instead
        if stream and step > 1:
            return None  # the stream itself: the answer
        obj = prediction(resp, ctx)
        status = obj["status"]
        if status in ("failed", "canceled"):
            raise failed(obj, ctx, resp)
        q = quirks_of(ctx)
        cancel = None
        urls = obj.get("urls")
        if isinstance(urls, Mapping) and urls.get("cancel"):
            cancel = HttpRequest("POST", job_url(obj, "cancel", ctx, {}), {"accept": "application/json"})
        what = f"prediction {obj['id']}"
        if stream:
            url = job_url(obj, "stream", ctx, q.stream_hosts)
            headers = {"accept": "text/event-stream", "cache-control": "no-store"}
            return FollowUp(HttpRequest("GET", url, headers), 0.0, True, cancel, what)
        if status in TERMINAL:
            return None
        get = HttpRequest("GET", job_url(obj, "get", ctx, {}), {"accept": "application/json"})
        return FollowUp(get, poll_delay(step, ctx), False, cancel, what)


DIALECT = ReplicateDialect()

if TYPE_CHECKING:  # mypy holds the dialect to each protocol its specs declare
    from llmkit.dialects.base import ChatDialect, ImagesDialect, JobDialect

    _chat: ChatDialect = DIALECT
    _images_: ImagesDialect = DIALECT
    _job: JobDialect = DIALECT
