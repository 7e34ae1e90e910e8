"""``generate_image`` on Replicate: the prediction's ``input`` per model family, its output URLs.

Replicate's image models each define their own inputs; the families here name them as their
model pages do: FLUX (``black-forest-labs/flux-*``: ``aspect_ratio``, ``num_outputs``,
``output_format``, ``seed``, ``image`` + ``prompt_strength``), Stable Diffusion / SDXL
(``stability-ai/sdxl``, ``*stable-diffusion*``: ``width``/``height`` from ``size``,
``num_outputs``, ``negative_prompt``, ``seed``, ``image``, ``mask``, ``prompt_strength``), and
any other model with the union of those names. Input images are sent as data URIs (Replicate
takes a URL or a data URI for a file input). Outputs are file URLs (on ``replicate.delivery``):
returned as ``GeneratedImage.url``, fetched only on request, never with the key.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any

from llmkit.dialects.base import CallContext, ImagePoll, ImageRequest
from llmkit.dialects.replicate._response import failed, job_url, prediction
from llmkit.errors import ConfigurationError, ResponseDecodeError
from llmkit.images import GeneratedImage, Images
from llmkit.wire import HttpRequest, HttpResponse

_FLUX = frozenset({"n", "aspect_ratio", "seed", "output_format", "image", "strength"})
_SD = frozenset({"n", "size", "negative_prompt", "seed", "image", "mask", "strength"})
_ANY = _FLUX | _SD
_SIZE = re.compile(r"([1-9][0-9]{1,4})x([1-9][0-9]{1,4})")
_MIME = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}


def family(model: str) -> frozenset[str]:
    name = model.lower()
    if "flux" in name:
        return _FLUX
    if "sdxl" in name or "stable-diffusion" in name:
        return _SD
    return _ANY


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def image_input(req: ImageRequest, provider: str) -> dict[str, Any]:
    inp: dict[str, Any] = {"prompt": req.prompt}
    if req.n != 1:
        inp["num_outputs"] = req.n
    if req.size is not None:
        m = _SIZE.fullmatch(req.size)
        if m is None:
            raise ConfigurationError(
                f"{provider}: size must be WIDTHxHEIGHT, e.g. '1024x1024', not {req.size!r}"
            )
        inp["width"], inp["height"] = int(m.group(1)), int(m.group(2))
    for name in ("aspect_ratio", "negative_prompt", "seed", "output_format"):
        value = getattr(req, name)
        if value is not None:
            inp[name] = value
    if req.images:
        if len(req.images) > 1:
            raise ConfigurationError(f"{provider}: Replicate image models take one input image")
        inp["image"] = _data_uri(req.images[0].data, req.images[0].mime_type)
    if req.mask is not None:
        inp["mask"] = _data_uri(req.mask.data, req.mask.mime_type)
    if req.strength is not None:
        inp["prompt_strength"] = req.strength
    return inp


def _urls(output: Any, provider: str) -> list[str]:
    if isinstance(output, str):
        output = [output]
    if not isinstance(output, list) or not output or not all(isinstance(u, str) and u for u in output):
        raise ResponseDecodeError(
            "the prediction's output is not a file URL or a list of them (is this an image model?)",
            provider=provider,
        )
    return output


def _mime(url: str) -> str | None:
    ext = url.split("?", 1)[0].rsplit(".", 1)[-1].lower()
    return _MIME.get(ext)


def parse(resp: HttpResponse, req: ImageRequest, ctx: CallContext) -> Images | ImagePoll:
    obj = prediction(resp, ctx)
    status = obj["status"]
    if status in ("failed", "canceled"):
        raise failed(obj, ctx, resp)
    if status != "succeeded":
        get = HttpRequest("GET", job_url(obj, "get", ctx, {}), {"accept": "application/json"})
        urls = obj.get("urls")
        cancel = None
        if isinstance(urls, Mapping) and urls.get("cancel"):
            cancel = HttpRequest("POST", job_url(obj, "cancel", ctx, {}), {"accept": "application/json"})
        first = float(ctx.params.get("poll_interval") or 0.5)
        # As chat's polls (``poll_delay``): poll_interval, doubling per poll, at most 5 s.
        return ImagePoll(get, first, status, cancel, backoff=2.0, max_delay=max(5.0, first))
    seed = req.seed
    images = [
        GeneratedImage(None, _mime(u), u, seed=seed, raw_finish_reason=status)
        for u in _urls(obj.get("output"), ctx.provider)
    ]
    return Images(images, ctx.model, ctx.provider, raw=dict(obj))
