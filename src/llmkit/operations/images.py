"""Image generation: ``generate_image`` (edits and variations with ``image=``/``mask=``).

One operation over every wire format that has images. Its call may be several requests, so it
declares its own flow (``Operation.run``): the generation request; then, while the dialect says
the job is still running (``ImagePoll``), a sleep and a poll, within the call's deadline (or
``_jobs.DEFAULT_JOB_DEADLINE``, 600 s, with no total timeout), with the wait growing by the
dialect's backoff and the job cancelled when the deadline ends it (``_jobs.run_job``, the loop
Replicate chat runs on too); then, with ``fetch=True``, a plain GET per image URL
(no credential, https only, same-host redirects only, size-capped by the transport).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

from llmkit import _guard
from llmkit._resolve import Resolved
from llmkit._retry import Action, Send
from llmkit._timeout import Timeout
from llmkit.dialects import require
from llmkit.dialects.base import IMAGE_PARAMETERS, FollowUp, ImagePoll, ImageRequest
from llmkit.errors import ConfigurationError, ContentFilteredError
from llmkit.images import (
    MAX_FETCH_REDIRECTS,
    GeneratedImage,
    ImageInput,
    Images,
    InputImage,
    fetch_request,
    fetched,
    next_hop,
    report_progress,
)
from llmkit.operations.base import AWAITED, Common, Operation, Prepared, finish
from llmkit.operations.settings import Settings
from llmkit.types import FinishReason
from llmkit.wire import HttpResponse

# Polls of a pending job never come faster than this, whatever the dialect asks.
MIN_POLL_DELAY = 0.05


@dataclass(slots=True)
class ImageParams(Common):
    """Generate images from a text prompt (or edit the given ``image``).

    ``n`` images of ``size`` (``"1024x1024"``) or ``aspect_ratio`` (``"16:9"``), as the model
    takes them; ``negative_prompt``, ``seed``, ``output_format`` (``"png"``, ``"jpeg"``,
    ``"webp"``), ``quality`` and ``style`` where the model has them. ``image`` (bytes or a file
    path, or a list of them) with an optional ``mask`` makes it an edit (a variation where the
    provider has one and no prompt is needed); ``strength`` is how far an image-to-image edit may
    depart from it. A parameter the model does not take is a ConfigurationError naming the ones
    it does, before anything is sent. ``fetch=True`` reads images the provider returned as URLs
    (otherwise ``image.fetch()`` does, on request). An image the provider's safety system
    filtered raises ContentFilteredError, unless ``keep_filtered=True``: then it is returned
    with ``finish_reason`` CONTENT_FILTER (and usually no bytes).
    """

    prompt: str
    n: int = 1
    size: str | None = None
    aspect_ratio: str | None = None
    negative_prompt: str | None = None
    seed: int | None = None
    output_format: str | None = None
    quality: str | None = None
    style: str | None = None
    image: ImageInput | Sequence[ImageInput] | None = None
    mask: ImageInput | None = None
    strength: float | None = None
    fetch: bool = False
    keep_filtered: bool = False


_TEXT = ("size", "aspect_ratio", "negative_prompt", "output_format", "quality", "style")


def check_images(p: ImageParams) -> None:
    if not isinstance(p.prompt, str):
        raise ConfigurationError(f"prompt must be a string, not {type(p.prompt).__name__}")
    if type(p.n) is not int or not 1 <= p.n <= 10:
        raise ConfigurationError(f"n must be an integer from 1 to 10, got {p.n!r}")
    for name in _TEXT:
        value = getattr(p, name)
        if value is not None and (not isinstance(value, str) or not value):
            raise ConfigurationError(f"{name} must be a non-empty string, got {value!r}")
    if p.seed is not None and (type(p.seed) is not int or p.seed < 0):
        raise ConfigurationError(f"seed must be a non-negative integer, got {p.seed!r}")
    if p.strength is not None and (
        isinstance(p.strength, bool) or not isinstance(p.strength, int | float) or not 0 <= p.strength <= 1
    ):
        raise ConfigurationError(f"strength must be a number from 0 to 1, got {p.strength!r}")
    if p.mask is not None and p.image is None:
        raise ConfigurationError("mask= needs image=: a mask marks the part of an image to edit")


def given(p: ImageParams) -> frozenset[str]:
    """The image parameters the caller set (``n`` counts only when it is not 1)."""
    out = {name for name in IMAGE_PARAMETERS if name != "n" and getattr(p, name) is not None}
    if p.n != 1:
        out.add("n")
    return frozenset(out)


def _inputs(image: ImageInput | Sequence[ImageInput] | None) -> tuple[InputImage, ...]:
    if image is None:
        return ()
    if isinstance(image, list | tuple):
        if not image:
            raise ConfigurationError("image= is an empty list")
        return tuple(
            InputImage.of(one, f"image{i + 1}" if len(image) > 1 else "image") for i, one in enumerate(image)
        )
    return (InputImage.of(image, "image"),)  # type: ignore[arg-type]


def prepare_images(s: Settings, p: ImageParams, r: Resolved) -> Prepared[ImageRequest]:
    dialect = require(r.dialect, "images")
    asked = given(p)
    supported = dialect.image_parameters(r.ctx.model, r.ctx)
    refused = sorted(asked - supported)
    if refused:
        takes = ", ".join(name for name in IMAGE_PARAMETERS if name in supported) or "none of them"
        raise ConfigurationError(
            f"[{r.spec.name}] {r.ctx.model} does not take {', '.join(refused)}; its image parameters: {takes}"
        )
    req = ImageRequest(
        r.ctx.model,
        p.prompt,
        p.n,
        p.size,
        p.aspect_ratio,
        p.negative_prompt,
        p.seed,
        p.output_format,
        p.quality,
        p.style,
        _inputs(p.image),
        None if p.mask is None else InputImage.of(p.mask, "mask"),
        p.strength,
        asked,
        r.options,
        p.extra_body,
    )
    http = _guard.build(dialect.build_images, req, r.ctx)
    return finish(s, r, http, p, req, (p.fetch, p.keep_filtered))


def _parse(p: Prepared[ImageRequest], resp: HttpResponse) -> Images | ImagePoll:
    r = p.resolved
    return _guard.parse_images(r.dialect, resp, p.req, r.ctx)


def parse_images(p: Prepared[ImageRequest], resp: HttpResponse) -> Images:
    """One response to the result (for a format that never polls); the flow below is the call."""
    out = _parse(p, resp)
    if isinstance(out, ImagePoll):
        raise ConfigurationError(f"[{p.resolved.spec.name}] this image job is still running")
    return _filtered(p, out)


def _filtered(p: Prepared[ImageRequest], out: Images) -> Images:
    _, keep = p.check
    if not keep:
        hit = next((i for i in out.images if i.finish_reason is FinishReason.CONTENT_FILTER), None)
        if hit is not None:
            raise ContentFilteredError(
                f"{sum(i.filtered for i in out.images)} of {len(out.images)} images were filtered by "
                f"the provider's safety system (reason {hit.raw_finish_reason or 'content_filter'}); "
                "pass keep_filtered=True to get the results anyway",
                provider=out.provider,
                model=out.model,
                error_code=hit.raw_finish_reason,
            )
    return out


def run_images(p: Prepared[ImageRequest]) -> Generator[Action, Any, Images]:
    """The whole call as one flow: generate, poll while pending (the polling loop every job
    shares, ``_jobs.run_job``), fetch URLs if asked."""
    r = p.resolved
    final: list[Images] = []

    def next_step(resp: HttpResponse, step: int) -> FollowUp | None:
        out = _parse(p, resp)
        if not isinstance(out, ImagePoll):
            final.append(out)
            return None
        report_progress(out.status)
        # The n-th wait grows by the dialect's backoff (the loop counts; the dialect keeps no state).
        delay = max(min(out.delay * out.backoff ** (step - 1), out.max_delay), MIN_POLL_DELAY)
        return FollowUp(out.request, delay, False, out.cancel, f"the image job (still {out.status})")

    from llmkit.operations._jobs import run_job  # loaded with the first image job, not with chat

    yield from run_job(
        p.request,
        next_step,
        getattr(r.dialect, "hold", None),
        r.auth,
        p.policy,
        p.timeout,
        lambda resp: _guard.parse_error(r.dialect, resp, r.ctx),
        r.spec.name,
    )
    result = _filtered(p, final[0])
    fetch, _ = p.check
    if fetch:
        for image in result.images:
            if image.data is None and image.url is not None:
                yield from _fetch(image, p.timeout)
    return result


def _fetch(image: GeneratedImage, timeout: Timeout) -> Generator[Action, Any, None]:
    url = image.url
    assert url is not None
    for _ in range(MAX_FETCH_REDIRECTS + 1):
        resp: HttpResponse = yield Send(fetch_request(url), False, timeout)
        hop = next_hop(url, resp)
        if hop is None:
            image.data, mime = fetched(url, resp)
            image.mime_type = image.mime_type or mime
            return
        url = hop
    raise ConfigurationError(f"the image URL redirected more than {MAX_FETCH_REDIRECTS} times")


GENERATE_IMAGE: Operation[ImageParams, Images] = Operation(
    name="generate_image",
    method="generate_image",
    capability="images",
    what="image generation",
    params=ImageParams,
    check=check_images,
    prepare=prepare_images,
    returns="Images",
    async_returns="Images",
    async_note=AWAITED,
    parse=parse_images,
    run=run_images,
)
