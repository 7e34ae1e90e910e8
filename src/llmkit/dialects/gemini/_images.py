"""Images on the Gemini format: Imagen through ``:predict`` and Gemini models that answer with
inline image parts through ``generateContent``. Pure translation.

Imagen (``imagen-…``, ``imagegeneration@…``) is a Vertex AI prediction: ``{"instances":
[{"prompt"}], "parameters": {...}}`` in, ``{"predictions": [{"bytesBase64Encoded", "mimeType",
"prompt"?} | {"raiFilteredReason"}]}`` out. Field names are google-genai's
(``models._GenerateImagesConfig_to_vertex`` / ``_EditImageConfig_to_vertex`` /
``_GeneratedImage_from_vertex``, 3.6.1), which also refuses ``generate_images`` outside Vertex AI:
on AI Studio only the Gemini image models are offered here.

A Gemini image model (``gemini-2.5-flash-image``, ``gemini-3-pro-image-preview``, ...) takes the
prompt (and any input image) as a user turn with ``generationConfig.responseModalities`` set and
answers with ``inlineData`` parts; ``finishReason`` ``IMAGE_SAFETY`` and friends mean filtered.
"""

from __future__ import annotations

from collections.abc import Mapping
from math import gcd
from typing import Any

from llmkit.dialects._errors import json_or_raise
from llmkit.dialects._images import Made, b64, decode_b64
from llmkit.dialects.base import CallContext, ImageRequest
from llmkit.dialects.gemini._options import IMAGEN_OPTIONS
from llmkit.dialects.gemini._request import _deep_merge, json_request, method_url, quirks_of
from llmkit.dialects.gemini._response import usage_of
from llmkit.errors import ConfigurationError, ContentFilteredError, ResponseDecodeError
from llmkit.images import GeneratedImage, Images
from llmkit.types import FinishReason, Usage
from llmkit.wire import HttpRequest, HttpResponse

# Imagen's documented aspect ratios (Vertex AI "Imagen API" reference, aspectRatio).
IMAGEN_ASPECT_RATIOS = frozenset({"1:1", "3:4", "4:3", "9:16", "16:9"})
# Gemini image models' imageConfig.aspectRatio values (Gemini API image-generation guide).
GEMINI_ASPECT_RATIOS = frozenset({"1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"})
_MIME = {"png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg", "webp": "image/webp"}


# Gemini finish reasons that mean the safety system withheld the image (GenerateContentResponse).
_FILTERED = frozenset(
    {
        "SAFETY",
        "PROHIBITED_CONTENT",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_RECITATION",
        "RECITATION",
        "BLOCKLIST",
        "SPII",
    }
)


def is_imagen(model: str) -> bool:
    name = model.rsplit("/", 1)[-1]
    return name.startswith(("imagen", "imagegeneration"))


def mime_of(output_format: str | None, what: str) -> str | None:
    if output_format is None:
        return None
    mime = _MIME.get(output_format.lower().removeprefix("image/"))
    if mime is None:
        raise ConfigurationError(f"{what} output_format is one of png, jpeg, webp; got {output_format!r}")
    return mime


def ratio_of(size: str | None, aspect_ratio: str | None, allowed: frozenset[str], what: str) -> str | None:
    """The aspect ratio to send: ``aspect_ratio=`` as given, else ``size="WxH"`` reduced."""
    if aspect_ratio is None and size is not None:
        w, _, h = size.lower().partition("x")
        if not (w.isdigit() and h.isdigit() and int(w) and int(h)):
            raise ConfigurationError(f"size= is WIDTHxHEIGHT (e.g. 1024x1024); got {size!r}")
        g = gcd(int(w), int(h))
        aspect_ratio = f"{int(w) // g}:{int(h) // g}"
    if aspect_ratio is not None and aspect_ratio not in allowed:
        raise ConfigurationError(
            f"{what} takes aspect ratios {', '.join(sorted(allowed))} (aspect_ratio= or size=); "
            f"got {aspect_ratio}"
        )
    return aspect_ratio


def _reference(ref_id: int, kind: str, data: bytes, opts: Mapping[str, Any]) -> dict[str, Any]:
    ref: dict[str, Any] = {
        "referenceType": kind,
        "referenceId": ref_id,
        "referenceImage": {"bytesBase64Encoded": b64(data)},
    }
    if kind == "REFERENCE_TYPE_MASK":
        cfg: dict[str, Any] = {"maskMode": opts.get("mask_mode", "MASK_MODE_USER_PROVIDED")}
        if opts.get("mask_dilation") is not None:
            cfg["dilation"] = opts["mask_dilation"]
        ref["maskImageConfig"] = cfg
    return ref


def imagen_body(
    prompt: str,
    *,
    n: int | None,
    aspect_ratio: str | None,
    negative_prompt: str | None,
    seed: int | None,
    mime_type: str | None,
    image: bytes | None,
    mask: bytes | None,
    options: Mapping[str, Any],
) -> dict[str, Any]:
    """The ``:predict`` body for Imagen generation, or for an edit when ``image`` is given
    (Imagen 3 capability models: the image and mask travel as ``referenceImages``)."""
    if n is not None and not 1 <= n <= 8:
        raise ConfigurationError(f"Imagen generates 1 to 8 images per call (n=); got {n}")
    instance: dict[str, Any] = {"prompt": prompt}
    params: dict[str, Any] = {"sampleCount": n or 1}
    if aspect_ratio is not None:
        params["aspectRatio"] = aspect_ratio
    if negative_prompt is not None:
        params["negativePrompt"] = negative_prompt
    if seed is not None:
        # Imagen refuses a seed while its SynthID watermark is on; a caller's add_watermark wins.
        params["seed"] = seed
        params["addWatermark"] = False
    # Filtered slots come back with their reason instead of silently missing.
    params["includeRaiReason"] = True
    for key, wire in IMAGEN_OPTIONS.items():
        if options.get(key) is not None:
            params[wire] = options[key]
    if mime_type is not None or options.get("output_compression_quality") is not None:
        out: dict[str, Any] = {}
        if mime_type is not None:
            out["mimeType"] = mime_type
        if options.get("output_compression_quality") is not None:
            out["compressionQuality"] = options["output_compression_quality"]
        params["outputOptions"] = out
    if image is not None:
        refs = [_reference(1, "REFERENCE_TYPE_RAW", image, options)]
        if mask is not None:
            refs.append(_reference(2, "REFERENCE_TYPE_MASK", mask, options))
        instance["referenceImages"] = refs
        params.setdefault(
            "editMode", "EDIT_MODE_INPAINT_INSERTION" if mask is not None else "EDIT_MODE_DEFAULT"
        )
    elif mask is not None:
        raise ConfigurationError("mask= edits an image: pass the image= it applies to as well")
    return {"instances": [instance], "parameters": params}


def parse_predictions(body: Any, provider: str, model: str) -> list[Made]:
    """``predictions[]`` -> one ``Made`` per slot; a slot with ``raiFilteredReason`` is filtered."""
    if not isinstance(body, Mapping):
        raise ResponseDecodeError("an Imagen response must be a JSON object", provider=provider)
    preds = body.get("predictions")
    if preds is None:
        # Imagen leaves ``predictions`` out when it filtered every image and no reason was asked for.
        raise ContentFilteredError(
            "Imagen returned no images: its safety filters removed them all",
            provider=provider,
            model=model,
            body=dict(body),
        )
    if not isinstance(preds, list):
        raise ResponseDecodeError("Imagen's predictions must be a list", provider=provider)
    out: list[Made] = []
    for pred in preds:
        if not isinstance(pred, Mapping):
            raise ResponseDecodeError("an Imagen prediction must be an object", provider=provider)
        if "bytesBase64Encoded" in pred:
            data = pred["bytesBase64Encoded"]
            if not isinstance(data, str) or not data:
                raise ResponseDecodeError(
                    "an Imagen prediction's image is not base64 text", provider=provider
                )
            prompt = pred.get("prompt")
            out.append(
                Made(
                    data,
                    str(pred.get("mimeType") or "image/png"),
                    revised_prompt=prompt if isinstance(prompt, str) else None,
                )
            )
        elif isinstance(pred.get("gcsUri"), str):
            # output_gcs_uri=: Imagen wrote the image to Cloud Storage and names it instead.
            out.append(Made(None, str(pred.get("mimeType") or "image/png"), url=pred["gcsUri"]))
        elif "raiFilteredReason" in pred:
            reason = str(pred["raiFilteredReason"])
            out.append(Made(None, None, FinishReason.CONTENT_FILTER, reason))
        # Other entries (positivePromptSafetyAttributes: contentType "Positive Prompt") describe
        # the prompt, not an image.
    if not out:
        raise ContentFilteredError(
            "Imagen returned no images: its safety filters removed them all",
            provider=provider,
            model=model,
            body=dict(body),
        )
    return out


def gemini_image_body(
    prompt: str,
    *,
    n: int | None,
    aspect_ratio: str | None,
    seed: int | None,
    image: bytes | None,
    image_mime: str | None,
    options: Mapping[str, Any],
) -> dict[str, Any]:
    """A generateContent body asking a Gemini image model for an image (and an input image to
    edit, as an ``inlineData`` part after the prompt)."""
    if n not in (None, 1):
        raise ConfigurationError(f"a Gemini image model returns one image per call (n=1); got n={n}")
    parts: list[dict[str, Any]] = [{"text": prompt}]
    if image is not None:
        parts.append({"inlineData": {"mimeType": image_mime or "image/png", "data": b64(image)}})
    modalities = options.get("response_modalities") or ("IMAGE",)
    config: dict[str, Any] = {"responseModalities": [str(m).upper() for m in modalities]}
    image_config: dict[str, Any] = {}
    if aspect_ratio is not None:
        image_config["aspectRatio"] = aspect_ratio
    if options.get("image_size") is not None:
        image_config["imageSize"] = options["image_size"]
    if image_config:
        config["imageConfig"] = image_config
    if seed is not None:
        config["seed"] = seed
    return {"contents": [{"role": "user", "parts": parts}], "generationConfig": config}


def parse_gemini_images(body: Any, provider: str, model: str) -> tuple[list[Made], str | None]:
    """The image parts of a generateContent answer, and its text (the model's caption) if any."""
    if not isinstance(body, Mapping):
        raise ResponseDecodeError("a Gemini response must be a JSON object", provider=provider)
    block = (body.get("promptFeedback") or {}).get("blockReason")
    candidates = body.get("candidates") or []
    if not candidates:
        if block:
            raise ContentFilteredError(
                f"the prompt was blocked by Gemini's safety system (blockReason {block})",
                provider=provider,
                model=model,
                body=dict(body),
                error_type=str(block),
            )
        raise ResponseDecodeError("Gemini returned no candidates", provider=provider)
    cand = candidates[0]
    if not isinstance(cand, Mapping):
        raise ResponseDecodeError("a Gemini candidate must be an object", provider=provider)
    raw = cand.get("finishReason")
    images: list[Made] = []
    texts: list[str] = []
    for part in (cand.get("content") or {}).get("parts") or []:
        if part.get("thought"):
            continue  # thinking models draft interim images; only the final ones are answers
        blob = part.get("inlineData")
        if isinstance(blob, Mapping) and str(blob.get("mimeType", "")).startswith("image/"):
            data = blob.get("data")
            if not isinstance(data, str) or not data:
                raise ResponseDecodeError("an inline image part without base64 data", provider=provider)
            images.append(Made(data, str(blob["mimeType"]), raw_finish_reason=raw))
        elif isinstance(part.get("text"), str):
            texts.append(part["text"])
    if not images:
        if raw in _FILTERED:
            images.append(Made(None, None, FinishReason.CONTENT_FILTER, str(raw)))
        else:
            raise ResponseDecodeError(
                f"Gemini answered without an image (finishReason {raw}); is {model} an image model?",
                provider=provider,
            )
    return images, "".join(texts) or None


# ---------------------------------------------------------------- the dialect's three methods

_IMAGEN_PARAMETERS = frozenset(
    {"n", "size", "aspect_ratio", "negative_prompt", "seed", "output_format", "image", "mask"}
)
# One image per call: n is refused as a parameter the model does not take.
_GEMINI_PARAMETERS = frozenset({"size", "aspect_ratio", "seed", "image"})


def image_parameters(model: str, ctx: CallContext) -> frozenset[str]:
    return _IMAGEN_PARAMETERS if is_imagen(model) else _GEMINI_PARAMETERS


def build_images(req: ImageRequest, ctx: CallContext) -> HttpRequest:
    image = req.images[0].data if req.images else None
    if len(req.images) > 1:
        raise ConfigurationError(f"{ctx.provider} edits one input image per call (image=)")
    if is_imagen(req.model):
        if not quirks_of(ctx).imagen:
            raise ConfigurationError(
                f"Imagen is served through Vertex AI's :predict, not {ctx.provider}: call "
                f"vertex_ai/{req.model}, or a Gemini image model such as "
                f"{ctx.provider}/gemini-2.5-flash-image"
            )
        body = imagen_body(
            req.prompt,
            n=req.n,
            aspect_ratio=ratio_of(req.size, req.aspect_ratio, IMAGEN_ASPECT_RATIOS, "Imagen"),
            negative_prompt=req.negative_prompt,
            seed=req.seed,
            mime_type=mime_of(req.output_format, "Imagen"),
            image=image,
            mask=req.mask.data if req.mask is not None else None,
            options=req.options,
        )
        method = "predict"
    else:
        body = gemini_image_body(
            req.prompt,
            n=req.n,
            aspect_ratio=ratio_of(req.size, req.aspect_ratio, GEMINI_ASPECT_RATIOS, "A Gemini image model"),
            seed=req.seed,
            image=image,
            image_mime=req.images[0].mime_type if req.images else None,
            options=req.options,
        )
        method = "generateContent"
    if req.extra_body:
        _deep_merge(body, req.extra_body)
    return json_request(method_url(ctx, method), body)


def parse_images(resp: HttpResponse, req: ImageRequest, ctx: CallContext) -> Images:
    body = json_or_raise(resp.body, "Gemini response", ctx.provider)
    usage = Usage()
    if is_imagen(req.model):
        made = parse_predictions(body, ctx.provider, ctx.model)
    else:
        made, _caption = parse_gemini_images(body, ctx.provider, ctx.model)
        usage = usage_of(body.get("usageMetadata")) if body.get("usageMetadata") else Usage()
    images = [
        GeneratedImage(
            decode_b64(m.b64, ctx.provider) if m.b64 is not None else None,
            m.mime_type,
            url=m.url,
            seed=req.seed if m.finish_reason is FinishReason.STOP else None,
            revised_prompt=m.revised_prompt,
            finish_reason=m.finish_reason,
            raw_finish_reason=m.raw_finish_reason,
        )
        for m in made
    ]
    return Images(images=images, model=ctx.model, provider=ctx.provider, usage=usage, raw=body)
