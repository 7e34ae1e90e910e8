"""Images on the Gemini surfaces: Imagen's ``:predict`` (Vertex AI) and the inline image parts a
Gemini image model answers generateContent with. Written from Vertex AI's "Imagen API" reference
(``instances[].prompt`` / ``referenceImages``, ``parameters``; ``predictions[]`` with
``bytesBase64Encoded``, ``mimeType``, ``prompt`` when enhanced, ``raiFilteredReason`` for a
filtered slot when ``includeRaiReason`` is on) and the Gemini API's image-generation guide.

Scripts: ``Script(error=...)`` answers Google's error shape; ``Script(finish_reason=
"content_filter")`` filters the last image (``extra={"filtered": k}`` filters ``k``; all of them
leaves ``predictions`` out when no reason was asked for); ``extra={"finish_reason":
"IMAGE_SAFETY"}`` on generateContent withholds the image part; ``extra={"reply_json": body}``
answers a valid predict request with ``body`` as it is (a recorded answer).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from llmkit.emulator._faults import early_reply
from llmkit.emulator._images import b64 as image_b64
from llmkit.emulator.gemini._errors import error_reply
from llmkit.emulator.gemini._validate import Invalid
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

PREDICT_FIELDS = frozenset({"instances", "parameters", "labels"})
INSTANCE_FIELDS = frozenset({"prompt", "referenceImages", "image", "mask"})
PARAMETER_FIELDS = frozenset(
    {
        "sampleCount",
        "aspectRatio",
        "negativePrompt",
        "seed",
        "addWatermark",
        "safetySetting",
        "personGeneration",
        "includeRaiReason",
        "includeSafetyAttributes",
        "language",
        "outputOptions",
        "enhancePrompt",
        "guidanceScale",
        "storageUri",
        "sampleImageSize",
        "editMode",
        "editConfig",
    }
)
ASPECT_RATIOS = frozenset({"1:1", "3:4", "4:3", "9:16", "16:9"})
SAFETY_SETTINGS = frozenset(
    {"block_low_and_above", "block_medium_and_above", "block_only_high", "block_none"}
)
PERSON_GENERATION = frozenset({"dont_allow", "allow_adult", "allow_all"})
OUTPUT_MIME = frozenset({"image/png", "image/jpeg"})
REFERENCE_TYPES = frozenset(
    {
        "REFERENCE_TYPE_RAW",
        "REFERENCE_TYPE_MASK",
        "REFERENCE_TYPE_CONTROL",
        "REFERENCE_TYPE_STYLE",
        "REFERENCE_TYPE_SUBJECT",
    }
)
MASK_MODES = frozenset(
    {
        "MASK_MODE_DEFAULT",
        "MASK_MODE_USER_PROVIDED",
        "MASK_MODE_BACKGROUND",
        "MASK_MODE_FOREGROUND",
        "MASK_MODE_SEMANTIC",
    }
)
RAI_REASON = (
    "Unable to show generated images. All images were filtered out because they violated Vertex AI's "
    "usage guidelines. You will not be charged for blocked images. Support codes: 56562880"
)
_FILTERED_FINISH = frozenset({"IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "PROHIBITED_CONTENT", "SAFETY"})


def _base64(value: Any, where: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise Invalid(f"{where}.bytesBase64Encoded must be a non-empty base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(f"{where}.bytesBase64Encoded is not valid base64") from None


def _check_references(refs: Any, model: str) -> None:
    if "capability" not in model:
        raise Invalid(f"Image editing is not supported by {model}; use imagen-3.0-capability-001")
    if not isinstance(refs, list) or not refs:
        raise Invalid("instances[0].referenceImages must be a non-empty list")
    for i, ref in enumerate(refs):
        where = f"instances[0].referenceImages[{i}]"
        if not isinstance(ref, dict) or ref.get("referenceType") not in REFERENCE_TYPES:
            raise Invalid(f"{where}.referenceType must be one of {sorted(REFERENCE_TYPES)}")
        if not isinstance(ref.get("referenceId"), int):
            raise Invalid(f"{where}.referenceId must be an integer")
        _base64((ref.get("referenceImage") or {}).get("bytesBase64Encoded"), f"{where}.referenceImage")
        if ref["referenceType"] == "REFERENCE_TYPE_MASK":
            mode = (ref.get("maskImageConfig") or {}).get("maskMode")
            if mode not in MASK_MODES:
                raise Invalid(f"{where}.maskImageConfig.maskMode must be one of {sorted(MASK_MODES)}")


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def check_predict(body: dict[str, Any], model: str) -> dict[str, Any]:
    """Validate an Imagen predict body as the service does; returns its parameters."""
    unknown = sorted(set(body) - PREDICT_FIELDS)
    if unknown:
        raise Invalid(f'Invalid JSON payload received. Unknown name "{unknown[0]}": Cannot find field.')
    instances = body.get("instances")
    if not isinstance(instances, list) or len(instances) != 1 or not isinstance(instances[0], dict):
        raise Invalid("instances must hold exactly one instance")
    instance = instances[0]
    if sorted(set(instance) - INSTANCE_FIELDS):
        raise Invalid(f"instances[0] has unknown fields {sorted(set(instance) - INSTANCE_FIELDS)}")
    if not isinstance(instance.get("prompt"), str) or not instance["prompt"].strip():
        raise Invalid("instances[0].prompt is required")
    params = body.get("parameters") or {}
    if not isinstance(params, dict) or sorted(set(params) - PARAMETER_FIELDS):
        raise Invalid(f"parameters has unknown fields {sorted(set(params) - PARAMETER_FIELDS)}")
    count = params.get("sampleCount", 4)
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 8:
        raise Invalid("parameters.sampleCount must be an integer from 1 to 8")
    if "aspectRatio" in params and params["aspectRatio"] not in ASPECT_RATIOS:
        raise Invalid(f"parameters.aspectRatio must be one of {sorted(ASPECT_RATIOS)}")
    if "seed" in params:
        seed = params["seed"]
        if not isinstance(seed, int) or isinstance(seed, bool) or not 1 <= seed <= 2147483647:
            raise Invalid("parameters.seed must be an integer from 1 to 2147483647")
        if params.get("addWatermark", True):
            raise Invalid("Seed is not supported when addWatermark is enabled.")
    for key, allowed in (("safetySetting", SAFETY_SETTINGS), ("personGeneration", PERSON_GENERATION)):
        if key in params and _lower(params[key]) not in allowed:
            raise Invalid(f"parameters.{key} must be one of {sorted(allowed)}")
    out = params.get("outputOptions") or {}
    if not isinstance(out, dict) or sorted(set(out) - {"mimeType", "compressionQuality"}):
        raise Invalid("parameters.outputOptions takes mimeType and compressionQuality")
    if "mimeType" in out and out["mimeType"] not in OUTPUT_MIME:
        raise Invalid(f"parameters.outputOptions.mimeType must be one of {sorted(OUTPUT_MIME)}")
    quality = out.get("compressionQuality", 75)
    if not isinstance(quality, int) or not 0 <= quality <= 100:
        raise Invalid("parameters.outputOptions.compressionQuality must be 0 to 100")
    if "referenceImages" in instance:
        _check_references(instance["referenceImages"], model)
    elif "editMode" in params:
        raise Invalid("parameters.editMode needs instances[0].referenceImages")
    return params


def predict(req: EmuRequest, emu: Emulator, body: dict[str, Any], model: str) -> Reply:
    try:
        params = check_predict(body, model)
    except Invalid as exc:
        return error_reply(ScriptedError(400, str(exc)))
    script = emu.take_script(req.path) or Script()
    early = early_reply(script, error_reply)
    if early is not None:
        return early
    if "reply_json" in script.extra:
        return json_reply(200, script.extra["reply_json"])  # a recorded answer, sent as it is
    count = params.get("sampleCount", 4)
    mime = (params.get("outputOptions") or {}).get("mimeType", "image/png")
    filtered = int(script.extra.get("filtered", 1 if script.finish_reason == "content_filter" else 0))
    predictions: list[dict[str, Any]] = []
    prompt = body["instances"][0]["prompt"]
    for _ in range(count - filtered):
        pred: dict[str, Any] = {
            "mimeType": mime,
            "bytesBase64Encoded": image_b64(mime.removeprefix("image/")),
        }
        if params.get("enhancePrompt"):
            pred["prompt"] = f"{prompt}, highly detailed"
        predictions.append(pred)
    if filtered and params.get("includeRaiReason"):
        predictions.append({"raiFilteredReason": RAI_REASON})
    reply = json_reply(200, {"predictions": predictions} if predictions else {})
    reply.delay = script.delay
    return reply


def image_parts(body: dict[str, Any], finish: str) -> list[dict[str, Any]]:
    """The inline image part a Gemini image model adds when ``IMAGE`` is a response modality."""
    config = body.get("generationConfig") or {}
    if "IMAGE" not in (config.get("responseModalities") or ()) or finish in _FILTERED_FINISH:
        return []
    return [{"inlineData": {"mimeType": "image/png", "data": image_b64("png")}}]
