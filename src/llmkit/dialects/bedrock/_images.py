"""Image models through InvokeModel (``POST /model/{modelId}/invoke``), whose body is the model's
own. Pure translation; the model id (base id, inference profile or ARN) picks the family:

* Amazon Titan Image Generator (``amazon.titan-image-generator-v1``/``v2``) and Nova Canvas
  (``amazon.nova-canvas-v1:0``): ``{"taskType", "<task>Params", "imageGenerationConfig"}``;
  ``TEXT_IMAGE`` from a prompt, ``IMAGE_VARIATION`` from ``image=``, ``INPAINTING`` from
  ``image=`` and ``mask=``. Answer ``{"images": [base64...], "error": str|null}``; an ``error``
  says the content filters removed some or all images (Nova Canvas "Error handling" page).
* Stability on Bedrock (``stability.sd3-5-large-v1:0``, ``stability.stable-image-ultra-…``,
  ``stability.stable-image-core-…``): ``{"prompt", "negative_prompt", "aspect_ratio", "seed",
  "output_format", "mode", "image", "strength"}``; answer ``{"seeds", "finish_reasons",
  "images"}``, a non-null finish reason being ``"Filter reason: …"`` or ``"Inference error"``.

Sources: the Bedrock user guide's model-parameter pages (Titan Image Generator, Nova Canvas
request and response, Stable Image Ultra / Core / SD3.5 request and response) and botocore's
``bedrock-runtime`` InvokeModel shape (blob body, ``contentType`` / ``accept`` headers).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmkit.dialects._errors import json_or_raise
from llmkit.dialects._images import Made, b64, decode_b64
from llmkit.dialects.base import CallContext, ImageRequest
from llmkit.dialects.bedrock._request import model_path
from llmkit.errors import ConfigurationError, NotSupportedError, ResponseDecodeError, ServerError
from llmkit.images import GeneratedImage, Images
from llmkit.types import FinishReason
from llmkit.wire import HttpRequest, HttpResponse, dumps

_MIME = {"png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg", "webp": "image/webp"}
# Nova Canvas's textToImageParams.style values (Nova user guide, "Image generation request").
NOVA_STYLES = frozenset(
    {
        "3D_ANIMATED_FAMILY_FILM",
        "DESIGN_SKETCH",
        "FLAT_VECTOR_ILLUSTRATION",
        "GRAPHIC_NOVEL_ILLUSTRATION",
        "MAXIMALISM",
        "MIDCENTURY_RETRO",
        "PHOTOREALISM",
        "SOFT_DIGITAL_PAINTING",
    }
)
STABILITY_ASPECT_RATIOS = frozenset({"16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21"})
# Provider keyword options (snake_case) -> the field in imageGenerationConfig / the task params.
AMAZON_OPTIONS: Mapping[str, str] = {"cfg_scale": "cfgScale"}

# What each family takes of generate_image's parameters (the operation refuses the rest).
_AMAZON = frozenset({"n", "size", "negative_prompt", "seed", "quality", "image", "mask", "strength"})
_NOVA = _AMAZON | {"style"}
_STABILITY = frozenset({"aspect_ratio", "negative_prompt", "seed", "output_format", "image", "strength"})
_STABILITY_CORE = frozenset({"aspect_ratio", "negative_prompt", "seed", "output_format"})


def image_family(model: str) -> str:
    """``titan``, ``nova`` or ``stability`` from a model id, profile id or ARN."""
    name = model.rsplit("/", 1)[-1].lower()
    if "titan-image-generator" in name:
        return "titan"
    if "nova-canvas" in name:
        return "nova"
    if "stability.sd3" in name or "stability.stable-image" in name:
        return "stability"
    raise NotSupportedError(
        "Bedrock images through llmkit take Amazon Titan Image Generator (amazon.titan-image-generator-*), "
        "Nova Canvas (amazon.nova-canvas-*) and Stability (stability.sd3-*, stability.stable-image-*) "
        f"models, not {model!r}"
    )


def parameters_for(model: str) -> frozenset[str]:
    family = image_family(model)
    if family == "stability":
        return _STABILITY_CORE if "stable-image-core" in model.lower() else _STABILITY
    return _NOVA if family == "nova" else _AMAZON


def _dimensions(size: str) -> tuple[int, int]:
    w, _, h = size.lower().partition("x")
    if not (w.isdigit() and h.isdigit()):
        raise ConfigurationError(f"size= is WIDTHxHEIGHT (e.g. 1024x1024); got {size!r}")
    return int(w), int(h)


def amazon_body(
    model: str,
    prompt: str,
    *,
    n: int,
    size: str | None,
    negative_prompt: str | None,
    seed: int | None,
    quality: str | None,
    style: str | None,
    image: bytes | None,
    mask: bytes | None,
    strength: float | None,
    options: Mapping[str, Any],
) -> dict[str, Any]:
    """A Titan Image Generator / Nova Canvas body: the task follows from ``image``/``mask``."""
    if not 1 <= n <= 5:
        raise ConfigurationError(f"Titan and Nova Canvas generate 1 to 5 images per call (n=); got {n}")
    if mask is not None and image is None:
        raise ConfigurationError("mask= edits an image: pass the image= it applies to as well")
    text: dict[str, Any] = {"text": prompt}
    if negative_prompt is not None:
        text["negativeText"] = negative_prompt
    if image is None:
        task, params = "TEXT_IMAGE", text
        if style is not None:
            if style not in NOVA_STYLES:
                raise ConfigurationError(f"Nova Canvas style is one of {', '.join(sorted(NOVA_STYLES))}")
            params["style"] = style
    elif mask is None and options.get("mask_prompt") is None:
        task, params = "IMAGE_VARIATION", {**text, "images": [b64(image)]}
        if strength is not None:
            # similarityStrength: how close to the input image (0.2 to 1.0).
            params["similarityStrength"] = strength
    else:
        task, params = "INPAINTING", {**text, "image": b64(image)}
        if mask is not None:
            params["maskImage"] = b64(mask)
        else:
            params["maskPrompt"] = str(options["mask_prompt"])
    if strength is not None and task != "IMAGE_VARIATION":
        raise ConfigurationError("strength= applies to a variation (image= without mask=) on this model")
    key = {"TEXT_IMAGE": "textToImageParams", "IMAGE_VARIATION": "imageVariationParams"}.get(
        task, "inPaintingParams"
    )
    config: dict[str, Any] = {"numberOfImages": n}
    if size is not None:
        config["width"], config["height"] = _dimensions(size)
    if seed is not None:
        config["seed"] = seed
    if quality is not None:
        if quality not in ("standard", "premium"):
            raise ConfigurationError(f"quality= is standard or premium on this model; got {quality!r}")
        config["quality"] = quality
    for name, wire in AMAZON_OPTIONS.items():
        if options.get(name) is not None:
            config[wire] = options[name]
    return {"taskType": task, key: params, "imageGenerationConfig": config}


def parse_amazon(body: Any, n: int, provider: str) -> list[Made]:
    """``{"images": [...], "error": ...}``: the images that came, then one filtered slot per
    image the content filters withheld (the caller asked for ``n``)."""
    if not isinstance(body, Mapping):
        raise ResponseDecodeError("an image model's answer must be a JSON object", provider=provider)
    images = body.get("images") or []
    if not isinstance(images, list) or not all(isinstance(i, str) and i for i in images):
        raise ResponseDecodeError("images must be a list of base64 strings", provider=provider)
    error = body.get("error")
    out = [Made(i, "image/png") for i in images]
    if error:
        missing = max(n - len(out), 0 if out else 1)
        out += [Made(None, None, FinishReason.CONTENT_FILTER, str(error))] * missing
    elif not out:
        raise ResponseDecodeError("the image model answered with no images and no error", provider=provider)
    return out


def stability_body(
    model: str,
    prompt: str,
    *,
    aspect_ratio: str | None,
    negative_prompt: str | None,
    seed: int | None,
    output_format: str | None,
    image: bytes | None,
    strength: float | None,
) -> dict[str, Any]:
    """A Stability-on-Bedrock body (one image per call; ``image`` + ``strength`` is image-to-image)."""
    body: dict[str, Any] = {"prompt": prompt}
    if image is not None:
        if strength is None:
            raise ConfigurationError("image-to-image on Stability models needs strength= (0 to 1)")
        if aspect_ratio is not None:
            raise ConfigurationError("aspect_ratio= applies only to text-to-image on Stability models")
        body.update(mode="image-to-image", image=b64(image), strength=strength)
    elif strength is not None:
        raise ConfigurationError("strength= needs the image= it applies to")
    elif "sd3" in model.lower():
        body["mode"] = "text-to-image"
    if aspect_ratio is not None:
        if aspect_ratio not in STABILITY_ASPECT_RATIOS:
            raise ConfigurationError(
                f"Stability aspect_ratio is one of {', '.join(sorted(STABILITY_ASPECT_RATIOS))}; "
                f"got {aspect_ratio}"
            )
        body["aspect_ratio"] = aspect_ratio
    if negative_prompt is not None:
        body["negative_prompt"] = negative_prompt
    if seed is not None:
        body["seed"] = seed
    if output_format is not None:
        fmt = output_format.lower().removeprefix("image/")
        if fmt not in ("png", "jpeg", "webp"):
            raise ConfigurationError(f"Stability output_format is png, jpeg or webp; got {output_format!r}")
        body["output_format"] = fmt
    return body


def parse_stability(body: Any, output_format: str | None, provider: str) -> list[Made]:
    """``{"seeds", "finish_reasons", "images"}``: a null finish reason is a success; "Filter
    reason: …" a filtered slot; "Inference error" a ServerError."""
    if not isinstance(body, Mapping):
        raise ResponseDecodeError("a Stability answer must be a JSON object", provider=provider)
    reasons = body.get("finish_reasons") or []
    images = body.get("images") or []
    seeds = body.get("seeds") or []
    if not isinstance(reasons, list) or not isinstance(images, list) or not isinstance(seeds, list):
        raise ResponseDecodeError("seeds, finish_reasons and images must be lists", provider=provider)
    mime = _MIME.get((output_format or "png").lower().removeprefix("image/"), "image/png")
    out: list[Made] = []
    for i in range(max(len(reasons), len(images))):
        reason = reasons[i] if i < len(reasons) else None
        data = images[i] if i < len(images) else None
        seed = seeds[i] if i < len(seeds) and isinstance(seeds[i], int) else None
        if reason is None:
            if not isinstance(data, str) or not data:
                raise ResponseDecodeError("a Stability image without base64 data", provider=provider)
            out.append(Made(data, mime, seed=seed))
        elif str(reason).startswith("Filter reason"):
            out.append(Made(None, None, FinishReason.CONTENT_FILTER, str(reason), seed))
        else:
            # "Inference error": the model failed after accepting the request; worth a retry.
            raise ServerError(f"Stability on Bedrock reported {reason!r}", provider=provider, body=dict(body))
    if not out:
        raise ResponseDecodeError("the Stability answer held no images", provider=provider)
    return out


# ---------------------------------------------------------------- the dialect's three methods


def image_parameters(model: str, ctx: CallContext) -> frozenset[str]:
    return parameters_for(model)


def build_images(req: ImageRequest, ctx: CallContext) -> HttpRequest:
    if len(req.images) > 1:
        raise ConfigurationError(f"{req.model} takes one input image per call (image=)")
    image = req.images[0].data if req.images else None
    if image_family(req.model) == "stability":
        if req.n != 1:
            raise ConfigurationError(
                f"Stability models on Bedrock return one image per call (n=1); got n={req.n}"
            )
        body = stability_body(
            req.model,
            req.prompt,
            aspect_ratio=req.aspect_ratio,
            negative_prompt=req.negative_prompt,
            seed=req.seed,
            output_format=req.output_format,
            image=image,
            strength=req.strength,
        )
    else:
        body = amazon_body(
            req.model,
            req.prompt,
            n=req.n,
            size=req.size,
            negative_prompt=req.negative_prompt,
            seed=req.seed,
            quality=req.quality,
            style=req.style,
            image=image,
            mask=req.mask.data if req.mask is not None else None,
            strength=req.strength,
            options=req.options,
        )
    if req.extra_body:
        body.update(req.extra_body)
    url = ctx.base_url.rstrip("/") + model_path(req.model, "invoke")
    headers = {"content-type": "application/json", "accept": "application/json"}
    return HttpRequest("POST", url, headers, dumps(body), body)


def parse_images(resp: HttpResponse, req: ImageRequest, ctx: CallContext) -> Images:
    body = json_or_raise(resp.body, "InvokeModel", ctx.provider)
    if image_family(req.model) == "stability":
        made = parse_stability(body, req.output_format, ctx.provider)
    else:
        made = parse_amazon(body, req.n, ctx.provider)
    images = [
        GeneratedImage(
            decode_b64(m.b64, ctx.provider) if m.b64 is not None else None,
            m.mime_type,
            seed=m.seed if m.seed is not None else (req.seed if m.b64 is not None else None),
            finish_reason=m.finish_reason,
            raw_finish_reason=m.raw_finish_reason,
        )
        for m in made
    ]
    # The image bytes stay in ``raw`` as the provider sent them (base64), like every dialect's raw.
    return Images(images=images, model=ctx.model, provider=ctx.provider, raw=body)
