"""Stability AI's v2beta Stable Image API (``stability/ultra``, ``core``, ``sd3.5-large``, edits
and upscales): image generation only (the spec declares no chat).

Every request is ``multipart/form-data`` (even with no file), built field by field: ``prompt``,
``negative_prompt``, ``aspect_ratio``, ``seed``, ``output_format``, ``style_preset``, ``image``,
``mask``, ``strength`` (with ``mode=image-to-image`` on SD3), ``model`` (SD3 variants), and the
route's own fields as options (``search_prompt``, ``left``/``right``/``up``/``down``,
``creativity``, ``grow_mask``, ``cfg_scale``). ``Accept: image/*`` (the default) answers the raw
image, its seed and finish reason in the ``seed`` and ``finish-reason`` headers;
``response_format="json"`` asks ``application/json``: ``{"image": base64, "seed",
"finish_reason"}``. ``CONTENT_FILTERED`` (a 200) marks a filtered image. Creative upscale answers
``{"id"}``, polled at ``/v2beta/results/{id}`` (202 while in progress). Errors are
``{"id", "name", "errors": [...]}``; 403 ``content_moderation`` is a ContentFilteredError.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from llmkit.dialects._errors import class_for_status, decode_body, json_or_raise, make_error
from llmkit.dialects.base import CallContext, ImagePoll, ImageRequest, Quirks
from llmkit.dialects.stability._routes import FORM_OPTIONS, route
from llmkit.errors import (
    ConfigurationError,
    ContentFilteredError,
    ProviderError,
    ResponseDecodeError,
)
from llmkit.framing.multipart import FilePart, FormField, Part, encode
from llmkit.images import GeneratedImage, Images, sniff_mime_type
from llmkit.types import FinishReason
from llmkit.wire import HttpRequest, HttpResponse

__all__ = ["DIALECT", "StabilityDialect"]

OPTIONS = FORM_OPTIONS | {"response_format"}
_FINISH = {
    "SUCCESS": FinishReason.STOP,
    "CONTENT_FILTERED": FinishReason.CONTENT_FILTER,
    "ERROR": FinishReason.ERROR,
}
_RESULT_POLL = 2.0  # seconds between polls of an async result, unless poll_interval= says otherwise


def _accept(options: Mapping[str, Any], provider: str) -> str:
    fmt = options.get("response_format", "image")
    if fmt not in ("image", "json"):
        raise ConfigurationError(f"{provider}: response_format= must be 'image' or 'json', not {fmt!r}")
    return "image/*" if fmt == "image" else "application/json"


def form(req: ImageRequest, ctx: CallContext) -> list[Part]:
    r, model_field = route(req.model, ctx.provider)
    if r.needs_prompt and not req.prompt:
        raise ConfigurationError(f"{ctx.provider}: {req.model} needs a prompt")
    if r.needs_image and not req.images:
        raise ConfigurationError(f"{ctx.provider}: {req.model} edits an image: pass image=")
    parts: list[Part] = []
    if req.prompt:
        parts.append(FormField("prompt", req.prompt))
    texts = (
        ("negative_prompt", req.negative_prompt),
        ("aspect_ratio", req.aspect_ratio),
        ("style_preset", req.style),
    )
    parts.extend(FormField(name, value) for name, value in texts if value is not None)
    if req.seed is not None:
        parts.append(FormField("seed", str(req.seed)))
    if req.output_format is not None:
        parts.append(FormField("output_format", req.output_format))
    if model_field is not None:
        parts.append(FormField("model", model_field))
        if req.images:
            parts.append(FormField("mode", "image-to-image"))
    if len(req.images) > 1:
        raise ConfigurationError(f"{ctx.provider}: Stability routes take one input image")
    for img in req.images[:1]:
        parts.append(FilePart("image", img.data, img.filename, img.mime_type))
    if req.mask is not None:
        parts.append(FilePart("mask", req.mask.data, req.mask.filename, req.mask.mime_type))
    if req.strength is not None:
        parts.append(FormField("strength", repr(float(req.strength))))
    for name in sorted(r.options):
        value = req.options.get(name)
        if value is not None:
            parts.append(FormField(name, str(value)))
    stray = sorted(n for n in FORM_OPTIONS - r.options if req.options.get(n) is not None)
    if stray:
        raise ConfigurationError(f"{ctx.provider}: {req.model} does not take {', '.join(stray)}")
    return parts


def _int_header(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def _one(data: bytes, mime: str | None, seed: int | None, raw: str | None) -> GeneratedImage:
    reason = _FINISH.get(raw or "SUCCESS", FinishReason.OTHER)
    body = data or None
    return GeneratedImage(
        body, mime or (sniff_mime_type(data) if data else None), None, seed, None, reason, raw
    )


def parse(resp: HttpResponse, req: ImageRequest, ctx: CallContext) -> Images | ImagePoll:
    content_type = (resp.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if resp.status == 202 or (content_type == "application/json" and _is_job(resp)):
        return _poll(resp, req, ctx)
    if content_type.startswith("image/"):
        seed = _int_header(resp.headers.get("seed"))
        image = _one(resp.body, content_type, seed, resp.headers.get("finish-reason"))
        return Images([image], ctx.model, ctx.provider, raw=dict(resp.headers))
    obj = json_or_raise(resp.body, "Stability image answer", ctx.provider)
    b64 = obj.get("image") if isinstance(obj, Mapping) else None
    if not isinstance(b64, str):
        raise ResponseDecodeError("Stability answer has no image", provider=ctx.provider, snippet=resp.body)
    try:
        data = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise ResponseDecodeError("Stability's image is not base64", provider=ctx.provider) from None
    seed = obj.get("seed")
    raw_reason = obj.get("finish_reason")
    image = _one(
        data, None, seed if type(seed) is int else None, raw_reason if isinstance(raw_reason, str) else None
    )
    return Images([image], ctx.model, ctx.provider, raw=obj)


def _is_job(resp: HttpResponse) -> bool:
    try:
        obj = resp.json()
    except ValueError:
        return False
    return isinstance(obj, dict) and "image" not in obj and isinstance(obj.get("id"), str)


def _poll(resp: HttpResponse, req: ImageRequest, ctx: CallContext) -> ImagePoll:
    obj = json_or_raise(resp.body, "Stability result", ctx.provider)
    rid = obj.get("id") if isinstance(obj, Mapping) else None
    if not isinstance(rid, str) or not rid.isalnum() or len(rid) > 128:
        raise ResponseDecodeError("Stability's async answer has no valid result id", provider=ctx.provider)
    url = f"{ctx.base_url.rstrip('/')}/v2beta/results/{rid}"
    accept = _accept(req.options, ctx.provider)
    status = obj.get("status") if isinstance(obj.get("status"), str) else "in-progress"
    delay = float(ctx.params.get("poll_interval") or _RESULT_POLL)
    return ImagePoll(HttpRequest("GET", url, {"accept": accept}), delay, status)


def classify(resp: HttpResponse, ctx: CallContext) -> ProviderError:
    body = decode_body(resp)
    name, message = None, None
    if isinstance(body, Mapping):
        name = body.get("name") if isinstance(body.get("name"), str) else None
        errors = body.get("errors")
        if isinstance(errors, list):
            message = "; ".join(str(e) for e in errors if isinstance(e, str)) or None
    elif isinstance(body, str) and body.strip():
        message = body.strip()[:500]
    cls = ContentFilteredError if name == "content_moderation" else class_for_status(resp.status)
    text = message or name or f"Stability answered HTTP {resp.status}"
    return make_error(cls, text, resp, provider=ctx.provider, model=ctx.model, body=body, error_type=name)


class StabilityDialect:
    """Images only: no chat methods (no stubs; the spec declares no chat, so ``complete`` is a
    NotSupportedError before anything is built). ``parse_error`` serves every request."""

    name = "stability"
    options = OPTIONS
    quirks_type = Quirks

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return classify(resp, ctx)

    def image_parameters(self, model: str, ctx: CallContext) -> frozenset[str]:
        return route(model, ctx.provider)[0].parameters

    def build_images(self, req: ImageRequest, ctx: CallContext) -> HttpRequest:
        r, _ = route(req.model, ctx.provider)
        body, content_type = encode(form(req, ctx))
        headers = {"content-type": content_type, "accept": _accept(req.options, ctx.provider)}
        return HttpRequest("POST", ctx.base_url.rstrip("/") + r.path, headers, body)

    def parse_images(self, resp: HttpResponse, req: ImageRequest, ctx: CallContext) -> Images | ImagePoll:
        return parse(resp, req, ctx)


DIALECT = StabilityDialect()

if TYPE_CHECKING:  # mypy holds the dialect to each protocol its specs declare
    from llmkit.dialects.base import ImagesDialect

    _images: ImagesDialect = DIALECT
