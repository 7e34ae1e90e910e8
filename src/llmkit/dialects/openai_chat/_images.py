"""OpenAI Images: ``/images/generations`` (JSON), ``/images/edits`` and ``/images/variations``
(multipart), answered with ``data[].b64_json`` or ``data[].url``.

Which parameters a model takes follows OpenAI's API reference (and the published OpenAPI
document): the GPT Image models (``gpt-image-*``, ``chatgpt-image-*``) take ``n``, ``size``,
``quality``, ``output_format`` and edits with several images and a mask, and always answer in
base64; DALL-E 3 takes ``size``, ``quality`` and ``style``, one image per call; DALL-E 2 takes
``n``, ``size``, edits with a mask and variations. A model of none of these families (an Azure
deployment name, a compatible server's model) gets the union, unless its spec's quirks say.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from llmkit.dialects.base import CallContext, ImageRequest
from llmkit.dialects.openai_chat._quirks import OpenAIQuirks
from llmkit.errors import ConfigurationError, ResponseDecodeError
from llmkit.framing.multipart import FilePart, FormField, Part, encode
from llmkit.images import GeneratedImage, Images, sniff_mime_type
from llmkit.types import FinishReason, Usage
from llmkit.wire import HttpRequest, HttpResponse, dumps

# Provider options the images endpoints take beyond the shared parameters.
IMAGE_OPTIONS = frozenset(
    {
        "response_format",
        "background",
        "moderation",
        "output_compression",
        "input_fidelity",
        "safety_identifier",
    }
)

GPT_IMAGE = frozenset({"n", "size", "quality", "output_format", "image", "mask"})
DALL_E_3 = frozenset({"size", "quality", "style"})
DALL_E_2 = frozenset({"n", "size", "image", "mask"})
ANY_MODEL = GPT_IMAGE | DALL_E_3 | DALL_E_2

_MIME = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"}


def family(model: str) -> str:
    """``gpt-image``, ``dall-e-3``, ``dall-e-2`` or ``other``, from the model name."""
    if model.startswith(("gpt-image-", "chatgpt-image-")):
        return "gpt-image"
    if model.startswith("dall-e-3"):
        return "dall-e-3"
    if model.startswith("dall-e-2"):
        return "dall-e-2"
    return "other"


_BY_FAMILY = {"gpt-image": GPT_IMAGE, "dall-e-3": DALL_E_3, "dall-e-2": DALL_E_2, "other": ANY_MODEL}


def image_parameters(model: str, q: OpenAIQuirks) -> frozenset[str]:
    if q.image_parameters is not None:
        return q.image_parameters(model)
    return _BY_FAMILY[family(model)]


def _fields(req: ImageRequest, with_prompt: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"model": req.model}
    if with_prompt:
        body["prompt"] = req.prompt
    if "n" in req.given:
        body["n"] = req.n
    for name in ("size", "quality", "style", "output_format"):
        value = getattr(req, name)
        if value is not None:
            body[name] = value
    # DALL-E answers with a URL unless told otherwise; base64 keeps the bytes in the answer (the
    # URLs expire after an hour). GPT Image models refuse the field: they always send base64.
    if family(req.model) in ("dall-e-2", "dall-e-3"):
        body["response_format"] = "b64_json"
    body.update(req.options)
    if req.extra_body:
        body.update(req.extra_body)
    return body


def build_images(req: ImageRequest, ctx: CallContext, q: OpenAIQuirks, path: Any) -> HttpRequest:
    """``path(template, ctx)`` fills the quirks' path templates (an Azure deployment, ...)."""
    if not req.images:
        if not req.prompt:
            raise ConfigurationError(f"[{ctx.provider}] prompt is empty: say what to generate")
        body = _fields(req, True)
        url = ctx.base_url + path(q.images_path, ctx)
        return HttpRequest("POST", url, {"content-type": "application/json"}, dumps(body), body)
    variation = not req.prompt and req.mask is None and len(req.images) == 1
    if variation and q.image_variations_path is None:
        raise ConfigurationError(f"[{ctx.provider}] has no image variations: give a prompt to edit the image")
    fields = _fields(req, not variation)
    parts: list[Part] = [FormField(k, _form_value(v)) for k, v in fields.items() if v is not None]
    name = "image" if len(req.images) == 1 else "image[]"
    parts += [FilePart(name, i.data, i.filename, i.mime_type) for i in req.images]
    if req.mask is not None:
        parts.append(FilePart("mask", req.mask.data, req.mask.filename, req.mask.mime_type))
    data, content_type = encode(parts)
    template = q.image_variations_path if variation else q.image_edits_path
    assert template is not None
    return HttpRequest("POST", ctx.base_url + path(template, ctx), {"content-type": content_type}, data)


def _form_value(v: Any) -> str:
    if isinstance(v, str):
        return v
    return "true" if v is True else "false" if v is False else json.dumps(v)


def _usage(u: Any) -> Usage:
    if not isinstance(u, Mapping):
        return Usage()
    return Usage(
        input_tokens=int(u.get("input_tokens") or 0),
        output_tokens=int(u.get("output_tokens") or 0),
        total_tokens=int(u.get("total_tokens") or 0),
    )


def _filtered(item: Mapping[str, Any]) -> bool:
    """Azure OpenAI marks each image's content filter results; OpenAI itself refuses with a 400."""
    results = item.get("content_filter_results")
    if not isinstance(results, Mapping):
        return False
    return any(isinstance(r, Mapping) and r.get("filtered") is True for r in results.values())


def _image(item: Mapping[str, Any], mime: str | None) -> GeneratedImage:
    b64 = item.get("b64_json")
    url = item.get("url")
    data = None
    if isinstance(b64, str) and b64:
        try:
            data = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("b64_json is not base64") from None
    elif not isinstance(url, str) or not url:
        url = None
    filtered = _filtered(item)
    return GeneratedImage(
        data,
        sniff_mime_type(data, mime or "image/png") if data is not None else mime,
        url if isinstance(url, str) else None,
        revised_prompt=item.get("revised_prompt") if isinstance(item.get("revised_prompt"), str) else None,
        finish_reason=FinishReason.CONTENT_FILTER if filtered else FinishReason.STOP,
        raw_finish_reason="content_filter" if filtered else None,
    )


def parse_images(resp: HttpResponse, req: ImageRequest, ctx: CallContext) -> Images:
    try:
        obj = json.loads(resp.body)
        rows = obj["data"]
        if not isinstance(rows, list):
            raise TypeError("data is not a list")
        fmt = obj.get("output_format") or req.output_format
        mime = _MIME.get(fmt) if isinstance(fmt, str) else None
        images = [_image(item, mime) for item in rows]
    except (ValueError, KeyError, TypeError) as exc:
        raise ResponseDecodeError(
            f"images body not understood: {exc}", provider=ctx.provider, snippet=resp.body
        ) from None
    return Images(images, req.model, ctx.provider, _usage(obj.get("usage")), obj)
