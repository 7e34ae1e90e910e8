"""OpenAI Images: generations (JSON), edits and variations (multipart), and the image files the
``url`` answers point at. Written from OpenAI's API reference (``POST /images/generations``,
``/images/edits``, ``/images/variations``) and Azure OpenAI's, not from llmkit's dialect; the
multipart body is read with the standard library's MIME parser.

What it checks: the documented fields of each endpoint (an unknown one is OpenAI's 400
"Unrecognized request argument"), the required ones, per model what the reference allows
(DALL-E 3 makes one image per call, the GPT Image models refuse ``response_format`` and
``style``, sizes per family), and for edits that each image part is a file with a content type.
Scripts: ``error`` answers as scripted; ``finish_reason="content_filter"`` refuses the prompt
(OpenAI's 400 ``content_policy_violation``) or, on Azure, marks the images filtered in their
``content_filter_results``; ``text`` is the revised prompt; ``extra["raw_body"]`` is sent as is.
"""

from __future__ import annotations

import email.parser
import email.policy
from typing import Any

from llmkit.emulator import _images
from llmkit.emulator.openai._errors import error_reply
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

GENERATION_FIELDS = frozenset(
    {
        "prompt", "model", "n", "quality", "response_format", "output_format", "output_compression",
        "size", "moderation", "background", "style", "user", "stream", "partial_images",
        "safety_identifier",
    }
)  # fmt: skip
EDIT_FIELDS = frozenset(
    {
        "image", "image[]", "mask", "prompt", "model", "n", "quality", "response_format", "size",
        "output_format", "output_compression", "background", "input_fidelity", "user", "stream",
        "partial_images", "safety_identifier",
    }
)  # fmt: skip
VARIATION_FIELDS = frozenset({"image", "model", "n", "response_format", "size", "user"})
FILE_FIELDS = frozenset({"image", "image[]", "mask"})

_SIZES = {
    "gpt-image": {"auto", "1024x1024", "1536x1024", "1024x1536"},
    "dall-e-3": {"1024x1024", "1792x1024", "1024x1792"},
    "dall-e-2": {"256x256", "512x512", "1024x1024"},
}
_REFUSAL = (
    "Your request was rejected as a result of our safety system. Your prompt may contain text that "
    "is not allowed by our safety system."
)


def is_images_path(path: str) -> bool:
    return path.endswith(("/images/generations", "/images/edits", "/images/variations"))


def image_file(req: EmuRequest) -> Reply:
    """``GET …/images/files/<name>.<ext>``: the bytes a ``url`` answer points at (no key needed,
    as for OpenAI's and Azure's blob storage URLs)."""
    name = req.path.rsplit("/", 1)[-1]
    ext = name.rpartition(".")[2]
    if ext not in ("png", "jpeg", "webp"):
        return Reply(404, {"content-type": "text/plain"}, b"no such file")
    return Reply(200, {"content-type": _images.mime_type(ext)}, _images.image(ext))


def _family(model: str) -> str:
    if model.startswith(("gpt-image-", "chatgpt-image-")):
        return "gpt-image"
    if model.startswith("dall-e-3"):
        return "dall-e-3"
    return "dall-e-2" if model.startswith("dall-e-2") else "other"


def _bad(profile: Profile, message: str, param: str | None = None, code: str | None = None) -> Reply:
    return error_reply(profile, ScriptedError(400, message, "invalid_request_error", code, param=param))


def _multipart(req: EmuRequest) -> tuple[dict[str, Any], dict[str, list[tuple[str, str, bytes]]]] | str:
    """(fields, files) from a multipart body, or what is wrong with it."""
    ctype = req.headers.get("content-type", "")
    if not ctype.startswith("multipart/form-data") or "boundary=" not in ctype:
        return "Invalid Content-Type header, expected multipart/form-data with a boundary."
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + req.body
    )
    if not msg.is_multipart() or msg.defects:
        return "The multipart body could not be parsed."
    fields: dict[str, Any] = {}
    files: dict[str, list[tuple[str, str, bytes]]] = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            return "A multipart part has no name."
        filename = part.get_filename()
        if filename is None:
            fields[name] = payload.decode("utf-8")
        else:
            files.setdefault(name, []).append((filename, part.get_content_type(), payload))
    return fields, files


def _check_files(profile: Profile, files: dict[str, list[tuple[str, str, bytes]]]) -> Reply | None:
    for name, items in files.items():
        for _, ctype, data in items:
            if ctype not in ("image/png", "image/jpeg", "image/webp") or _images_type(data) != ctype:
                return _bad(
                    profile,
                    f"Invalid file '{name}': unsupported mimetype ('{ctype}'). "
                    "Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'.",
                    name,
                    "invalid_image_format",
                )
    return None


def _images_type(data: bytes) -> str:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return "image/webp" if data[:4] == b"RIFF" and data[8:12] == b"WEBP" else "unknown"


def _body(req: EmuRequest, profile: Profile, kind: str) -> tuple[dict[str, Any], int] | Reply:
    """The request's fields and its number of input images, or the error reply."""
    if kind == "generations":
        try:
            body = req.json()
        except ValueError:
            return _bad(profile, "We could not parse the JSON body of your request.")
        if not isinstance(body, dict):
            return _bad(profile, "The request body must be a JSON object.")
        allowed, count = GENERATION_FIELDS, 0
    else:
        parsed = _multipart(req)
        if isinstance(parsed, str):
            return _bad(profile, parsed)
        body, files = parsed
        allowed = EDIT_FIELDS if kind == "edits" else VARIATION_FIELDS
        clash = set(body) & FILE_FIELDS
        if clash:
            return _bad(profile, f"'{sorted(clash)[0]}' must be a file.", sorted(clash)[0])
        bad = _check_files(profile, files)
        if bad is not None:
            return bad
        body.update({k: v for k, v in files.items()})
        count = len(files.get("image", [])) + len(files.get("image[]", []))
        if count == 0:
            return _bad(profile, "Missing required parameter: 'image'.", "image")
        for name in ("n", "output_compression", "partial_images"):
            if name in body:
                try:
                    body[name] = int(body[name])
                except ValueError:
                    return _bad(profile, f"Invalid value for '{name}': expected an integer.", name)
    unknown = [k for k in body if k not in allowed]
    if unknown:
        return _bad(profile, f"Unrecognized request argument supplied: {unknown[0]}", unknown[0])
    if kind != "variations" and not isinstance(body.get("prompt"), str):
        return _bad(profile, "Missing required parameter: 'prompt'.", "prompt")
    return body, count


def _check_model(profile: Profile, body: dict[str, Any], kind: str, count: int, azure: bool) -> Reply | None:
    model = body.get("model") or ("dall-e-2" if not azure else "other")
    fam = _family(str(model))
    n = body.get("n", 1)
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 10:
        return _bad(profile, f"Invalid value for 'n': {n!r}; must be between 1 and 10.", "n")
    if fam == "dall-e-3" and n != 1:
        return _bad(profile, "Invalid 'n': integer above maximum value. Expected a value <= 1.", "n")
    if fam == "gpt-image":
        for field in ("response_format", "style"):
            if field in body:
                return _bad(profile, f"Unknown parameter: '{field}'.", field, "unknown_parameter")
    elif "output_format" in body and fam != "other":
        return _bad(profile, "Unknown parameter: 'output_format'.", "output_format", "unknown_parameter")
    size = body.get("size")
    if size is not None and fam in _SIZES and size not in _SIZES[fam]:
        allowed = ", ".join(f"'{s}'" for s in sorted(_SIZES[fam]))
        message = f"Invalid value: '{size}'. Supported values are: {allowed}."
        return _bad(profile, message, "size", "invalid_value")
    if kind != "generations" and fam == "dall-e-3":
        return _bad(profile, f"Invalid model dall-e-3: {kind} is not supported for this model.", "model")
    if count > 1 and fam != "gpt-image" and fam != "other":
        return _bad(profile, "Only one image may be given to this model.", "image")
    return None


def images(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    kind = req.path.rsplit("/", 1)[-1]
    azure = profile.error_shape == "azure"
    checked = _body(req, profile, kind)
    if isinstance(checked, Reply):
        return checked
    body, count = checked
    bad = _check_model(profile, body, kind, count, azure)
    if bad is not None:
        return bad
    script = emu.take_script(req.path) or Script()
    if script.error is not None:
        return error_reply(profile, script.error)
    if "raw_body" in script.extra:
        return Reply(200, {"content-type": "application/json"}, script.extra["raw_body"])
    filtered = script.finish_reason == "content_filter"
    if filtered and not azure:
        return _bad(profile, _REFUSAL, None, "content_policy_violation")
    return json_reply(200, _answer(req, emu, body, script, filtered, azure), {"x-request-id": "req_img"})


def _answer(
    req: EmuRequest, emu: Emulator, body: dict[str, Any], script: Script, filtered: bool, azure: bool
) -> dict[str, Any]:
    model = str(body.get("model") or "dall-e-2")
    fam = _family(model)
    fmt = str(body.get("output_format") or "png")
    as_url = fam != "gpt-image" and body.get("response_format", "url") == "url"
    prefix = req.full_path.split("?", 1)[0].rsplit("/images/", 1)[0]
    data: list[dict[str, Any]] = []
    for i in range(int(body.get("n", 1))):
        item: dict[str, Any] = {}
        if azure and filtered:
            pass  # Azure leaves a filtered image out, and says why
        elif as_url:
            name = f"img-{len(emu.requests)}-{i}.{fmt}"
            item["url"] = f"{emu.url}{prefix}/images/files/{name}?se=2026&sig=EMUSIG"
        else:
            item["b64_json"] = _images.b64(fmt)
        if fam == "dall-e-3" or script.text is not None:
            item["revised_prompt"] = script.text or f"A detailed rendering of: {body.get('prompt', '')}"
        if azure:
            item["content_filter_results"] = _filter_results(filtered)
            item["prompt_filter_results"] = _filter_results(False)
        data.append(item)
    out: dict[str, Any] = {"created": 1_767_225_600, "data": data}
    if fam == "gpt-image":
        prompt_tokens = max(1, len(str(body.get("prompt", "")).split()))
        out |= {
            "background": "opaque",
            "output_format": fmt,
            "quality": body.get("quality", "medium") if body.get("quality") != "auto" else "medium",
            "size": body.get("size", "1024x1024") if body.get("size") != "auto" else "1024x1024",
            "usage": {
                "input_tokens": prompt_tokens,
                "input_tokens_details": {"image_tokens": 0, "text_tokens": prompt_tokens},
                "output_tokens": 272 * len(data),
                "total_tokens": prompt_tokens + 272 * len(data),
            },
        }
    return out


def _filter_results(filtered: bool) -> dict[str, Any]:
    safe = {"filtered": False, "severity": "safe"}
    return {
        "hate": safe,
        "self_harm": safe,
        "sexual": {"filtered": True, "severity": "high"} if filtered else safe,
        "violence": safe,
    }
