"""InvokeModel for Bedrock's image models, written from the Bedrock user guide's model-parameter
pages: Amazon Titan Image Generator v1/v2 and Nova Canvas (``taskType`` bodies, answer
``{"images": [...], "error": null}``) and Stability on Bedrock (SD3.5 Large, Stable Image Ultra
and Core: flat snake_case bodies, answer ``{"seeds", "finish_reasons", "images"}``).

Scripts: ``Script(error=...)`` answers Bedrock's exception shape; ``Script(finish_reason=
"content_filter")`` withholds one image (Nova/Titan: "Some of"/"All of the generated images have
been blocked by our content filters."; Stability: ``"Filter reason: output image"``);
``extra={"filtered": k}`` withholds ``k`` of them; ``extra={"input_blocked": True}`` refuses the
prompt with the ValidationException the Nova Canvas error-handling page quotes.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from llmkit.emulator._images import b64 as image_b64
from llmkit.emulator.bedrock._aws import request_id
from llmkit.emulator.bedrock._errors import Invalid, error, scripted_error
from llmkit.emulator.script import Script
from llmkit.emulator.server import Emulator, EmuRequest, Reply

TASK_TYPES = frozenset(
    {
        "TEXT_IMAGE",
        "COLOR_GUIDED_GENERATION",
        "IMAGE_VARIATION",
        "INPAINTING",
        "OUTPAINTING",
        "BACKGROUND_REMOVAL",
    }
)
TASK_PARAMS = {
    "TEXT_IMAGE": "textToImageParams",
    "COLOR_GUIDED_GENERATION": "colorGuidedGenerationParams",
    "IMAGE_VARIATION": "imageVariationParams",
    "INPAINTING": "inPaintingParams",
    "OUTPAINTING": "outPaintingParams",
    "BACKGROUND_REMOVAL": "backgroundRemovalParams",
}
PARAM_FIELDS = {
    "textToImageParams": frozenset(
        {"text", "negativeText", "conditionImage", "controlMode", "controlStrength", "style"}
    ),
    "imageVariationParams": frozenset({"text", "negativeText", "images", "similarityStrength"}),
    "inPaintingParams": frozenset({"image", "text", "negativeText", "maskPrompt", "maskImage", "returnMask"}),
}
CONFIG_FIELDS = frozenset({"numberOfImages", "width", "height", "cfgScale", "seed", "quality"})
STABILITY_FIELDS = frozenset(
    {"prompt", "negative_prompt", "aspect_ratio", "seed", "output_format", "mode", "image", "strength"}
)
STABILITY_RATIOS = frozenset({"16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21"})
INPUT_BLOCKED = (
    "This request has been blocked by our content filters. "
    "Please adjust your text prompt to submit a new request."
)
SOME_BLOCKED = "Some of the generated images have been blocked by our content filters."
ALL_BLOCKED = "All of the generated images have been blocked by our content filters."


def _image(value: Any, where: str) -> None:
    if not isinstance(value, str) or not value:
        raise Invalid(f"#/{where}: expected a base64 string")
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(f"#/{where}: not valid base64") from None


def _unknown(obj: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    extra = sorted(set(obj) - allowed)
    if extra:
        raise Invalid(f"#{where}: extraneous key [{extra[0]}] is not permitted")


def check_amazon(body: dict[str, Any], nova: bool) -> int:
    """Validate a Titan / Nova Canvas body; returns numberOfImages."""
    task = body.get("taskType")
    if task not in TASK_TYPES:
        raise Invalid(f"#/taskType: {task} is not a valid enum value")
    key = TASK_PARAMS[task]
    _unknown(body, frozenset({"taskType", key, "imageGenerationConfig"}), "")
    params = body.get(key)
    if not isinstance(params, dict):
        raise Invalid(f"#: required key [{key}] not found")
    if key in PARAM_FIELDS:
        _unknown(params, PARAM_FIELDS[key], f"/{key}")
    if task != "IMAGE_VARIATION" and task != "BACKGROUND_REMOVAL":
        text = params.get("text")
        if task in ("TEXT_IMAGE", "COLOR_GUIDED_GENERATION") and (not isinstance(text, str) or not text):
            raise Invalid(f"#/{key}: required key [text] not found")
    if "style" in params and not nova:
        raise Invalid(f"#/{key}: extraneous key [style] is not permitted")
    if task == "IMAGE_VARIATION":
        images = params.get("images")
        if not isinstance(images, list) or not 1 <= len(images) <= 5:
            raise Invalid("#/imageVariationParams/images: expected 1 to 5 images")
        for i, img in enumerate(images):
            _image(img, f"imageVariationParams/images/{i}")
        sim = params.get("similarityStrength", 0.7)
        if not isinstance(sim, int | float) or not 0.2 <= sim <= 1.0:
            raise Invalid("#/imageVariationParams/similarityStrength: must be 0.2 to 1.0")
    if task == "INPAINTING":
        _image(params.get("image"), "inPaintingParams/image")
        if ("maskImage" in params) == ("maskPrompt" in params):
            raise Invalid("#/inPaintingParams: exactly one of maskImage and maskPrompt is required")
        if "maskImage" in params:
            _image(params["maskImage"], "inPaintingParams/maskImage")
    config = body.get("imageGenerationConfig") or {}
    _unknown(config, CONFIG_FIELDS, "/imageGenerationConfig")
    count = config.get("numberOfImages", 1)
    if not isinstance(count, int) or not 1 <= count <= 5:
        raise Invalid("#/imageGenerationConfig/numberOfImages: must be 1 to 5")
    if config.get("quality", "standard") not in ("standard", "premium"):
        raise Invalid("#/imageGenerationConfig/quality: standard or premium")
    for side in ("width", "height"):
        value = config.get(side, 1024)
        if not isinstance(value, int) or not 256 <= value <= 4096 or value % 16:
            raise Invalid(f"#/imageGenerationConfig/{side}: must be 256 to 4096, divisible by 16")
    seed = config.get("seed", 0)
    if not isinstance(seed, int) or not 0 <= seed <= 2147483646:
        raise Invalid("#/imageGenerationConfig/seed: must be 0 to 2147483646")
    return count


def check_stability(body: dict[str, Any], model: str) -> None:
    _unknown(body, STABILITY_FIELDS, "")
    if not isinstance(body.get("prompt"), str) or not body["prompt"]:
        raise Invalid("#: required key [prompt] not found")
    mode = body.get("mode", "text-to-image")
    if mode not in ("text-to-image", "image-to-image"):
        raise Invalid(f"#/mode: {mode} is not a valid enum value")
    if mode == "image-to-image" or "image" in body:
        if "stable-image-core" in model:
            raise Invalid("#: image-to-image is not supported by Stable Image Core")
        _image(body.get("image"), "image")
        strength = body.get("strength")
        if not isinstance(strength, int | float) or not 0 <= strength <= 1:
            raise Invalid("#/strength: required for image-to-image, 0 to 1")
        if "aspect_ratio" in body:
            raise Invalid("#/aspect_ratio: only valid for text-to-image requests")
    if "aspect_ratio" in body and body["aspect_ratio"] not in STABILITY_RATIOS:
        raise Invalid(f"#/aspect_ratio: {body['aspect_ratio']} is not a valid enum value")
    if body.get("output_format", "png") not in ("png", "jpeg", "webp"):
        raise Invalid("#/output_format: png, jpeg or webp")
    seed = body.get("seed", 0)
    if not isinstance(seed, int) or not 0 <= seed <= 4294967294:
        raise Invalid("#/seed: must be 0 to 4294967294")


def is_image_model(model_id: str) -> bool:
    name = model_id.rsplit("/", 1)[-1]
    return "titan-image-generator" in name or "nova-canvas" in name or name.startswith("stability.")


def invoke_image(req: EmuRequest, emu: Emulator, name: str, body: dict[str, Any]) -> Reply:
    """The image model's answer to InvokeModel (``name`` is the model id without an ARN prefix)."""
    if not req.headers.get("content-type", "").startswith("application/json"):
        return error(400, "The provided Content-Type is not supported for this model.")
    script = emu.take_script(req.path) or Script()
    if script.error is not None:
        return scripted_error(script.error)
    stability = name.startswith("stability.")
    try:
        if stability:
            check_stability(body, name)
            count = 1
        else:
            count = check_amazon(body, nova="nova-canvas" in name)
    except Invalid as exc:
        return error(400, f"Malformed input request: {exc}, please reformat your input and try again.")
    if script.extra.get("input_blocked"):
        return error(400, INPUT_BLOCKED)
    filtered = int(script.extra.get("filtered", 1 if script.finish_reason == "content_filter" else 0))
    made = max(count - filtered, 0)
    if stability:
        fmt = body.get("output_format", "png")
        seed = body.get("seed") or 1234567
        answer: dict[str, Any] = (
            {"seeds": [seed], "finish_reasons": [None], "images": [image_b64(fmt)]}
            if made
            else {"seeds": [seed], "finish_reasons": ["Filter reason: output image"], "images": []}
        )
    else:
        images = [image_b64("png") for _ in range(made)]
        answer = {
            "images": images,
            "error": None if not filtered else (SOME_BLOCKED if made else ALL_BLOCKED),
        }
    headers = {"content-type": "application/json", "x-amzn-RequestId": request_id()}
    return Reply(200, headers, json.dumps(answer).encode(), delay=script.delay)
