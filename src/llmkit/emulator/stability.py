"""Stability AI's v2beta Stable Image API, written from its API reference (not from llmkit's
dialect): multipart bodies read with the standard library's MIME parser and checked field by
field, answers as raw image bytes (``Accept: image/*``, seed and finish reason in headers) or
JSON (``application/json``), errors as ``{"id", "name", "errors"}``, the creative upscale as a
job polled at ``/v2beta/results/{id}``.

A ``Script`` shapes the next answer: ``finish_reason="content_filter"`` (a 200 with
``CONTENT_FILTERED``), ``error`` (status, ``type`` as the error name, ``message``), and
``extra={"polls": n}`` for the creative upscale (202s before the result)."""

from __future__ import annotations

import email.parser
import email.policy
import json
import secrets
from typing import Any

from llmkit.emulator import _images
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script
from llmkit.emulator.server import Emulator, EmuRequest, Reply

PROFILE = Profile("stability", "llmkit.emulator.stability:handle", base_path="", error_shape="stability")

_RATIOS = {"16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21"}
_STYLES = {
    "3d-model", "analog-film", "anime", "cinematic", "comic-book", "digital-art", "enhance", "fantasy-art",
    "isometric", "line-art", "low-poly", "modeling-compound", "neon-punk", "origami", "photographic",
    "pixel-art", "tile-texture",
}  # fmt: skip
_SD3_MODELS = {
    "sd3",
    "sd3-large",
    "sd3-large-turbo",
    "sd3-medium",
    "sd3.5-large",
    "sd3.5-large-turbo",
    "sd3.5-medium",
    "sd3.5-flash",
}
_BASE = {"prompt", "negative_prompt", "seed", "output_format"}
# Route -> (fields it takes, fields it requires), from the API reference.
ROUTES: dict[str, tuple[set[str], set[str]]] = {
    "generate/ultra": (_BASE | {"aspect_ratio", "image", "strength"}, {"prompt"}),
    "generate/core": (_BASE | {"aspect_ratio", "style_preset"}, {"prompt"}),
    "generate/sd3": (_BASE | {"aspect_ratio", "image", "strength", "mode", "model", "cfg_scale"}, {"prompt"}),
    "edit/erase": ({"image", "mask", "grow_mask", "seed", "output_format"}, {"image"}),
    "edit/inpaint": (_BASE | {"image", "mask", "grow_mask", "style_preset"}, {"prompt", "image"}),
    "edit/outpaint": (
        {
            "image",
            "prompt",
            "left",
            "right",
            "up",
            "down",
            "creativity",
            "seed",
            "output_format",
            "style_preset",
        },
        {"image"},
    ),
    "edit/search-and-replace": (
        _BASE | {"image", "search_prompt", "grow_mask", "style_preset"},
        {"prompt", "image", "search_prompt"},
    ),
    "upscale/fast": ({"image", "output_format"}, {"image"}),
    "upscale/conservative": (_BASE | {"image", "creativity"}, {"prompt", "image"}),
    "upscale/creative": (_BASE | {"image", "creativity", "style_preset"}, {"prompt", "image"}),
}
_FILES = {"image", "mask"}
_JOBS: dict[str, list[Any]] = {}


def error(status: int, name: str, *messages: str) -> Reply:
    body = {"id": secrets.token_hex(16), "name": name, "errors": list(messages)}
    return Reply(status, {"content-type": "application/json"}, json.dumps(body).encode())


def parse_form(req: EmuRequest) -> dict[str, tuple[bytes, str | None, str | None]] | str:
    """name -> (bytes, filename, content type), or what is wrong with the body."""
    ctype = req.headers.get("content-type", "")
    if not ctype.startswith("multipart/form-data") or "boundary=" not in ctype:
        return "content-type must be multipart/form-data with a boundary"
    raw = b"Content-Type: " + ctype.encode() + b"\r\nMIME-Version: 1.0\r\n\r\n" + req.body
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    if not msg.is_multipart() or msg.defects:
        return "the multipart body does not parse"
    out: dict[str, tuple[bytes, str | None, str | None]] = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or part.get_content_disposition() != "form-data":
            return "a part has no form-data name"
        if name in out:
            return f"field {name} is given twice"
        payload = part.get_payload(decode=True)
        out[name] = (
            payload if isinstance(payload, bytes) else b"",
            part.get_filename(),
            part.get_content_type() if part.get_filename() else None,
        )
    return out


def _text(form: dict[str, tuple[bytes, str | None, str | None]], name: str) -> str | None:
    got = form.get(name)
    return None if got is None else got[0].decode("utf-8", "replace")


def check_form(route: str, form: dict[str, tuple[bytes, str | None, str | None]]) -> str | None:
    allowed, required = ROUTES[route]
    unknown = sorted(set(form) - allowed)
    if unknown:
        return f"unknown fields: {', '.join(unknown)}"
    missing = sorted(required - set(form))
    if missing:
        return f"{missing[0]}: required"
    for name in _FILES & set(form):
        data, filename, ctype = form[name]
        if not filename or not (ctype or "").startswith("image/") or not data:
            return f"{name}: must be an image file"
    for name in set(form) - _FILES:
        if form[name][1] is not None:
            return f"{name}: must be a plain field, not a file"
    prompt = _text(form, "prompt")
    if prompt is not None and not 1 <= len(prompt) <= 10000:
        return "prompt: must be 1 to 10000 characters"
    seed = _text(form, "seed")
    if seed is not None and (not seed.isdigit() or int(seed) > 4294967294):
        return "seed: must be an integer from 0 to 4294967294"
    if _text(form, "aspect_ratio") not in (None, *_RATIOS):
        return "aspect_ratio: not one of the allowed ratios"
    formats = ("png", "jpeg") if route == "generate/sd3" else ("png", "jpeg", "webp")
    if _text(form, "output_format") not in (None, *formats):
        return f"output_format: must be one of {', '.join(formats)}"
    if _text(form, "style_preset") not in (None, *_STYLES):
        return "style_preset: not a known style"
    if _text(form, "model") not in (None, *_SD3_MODELS):
        return "model: not an SD3 model"
    strength = _text(form, "strength")
    if strength is not None:
        try:
            if not 0 <= float(strength) <= 1:
                return "strength: must be from 0 to 1"
        except ValueError:
            return "strength: must be a number"
    elif "image" in form and route in ("generate/ultra", "generate/sd3"):
        return "strength: required with image"
    if route == "generate/sd3" and "image" in form and _text(form, "mode") != "image-to-image":
        return "mode: must be image-to-image when an image is given"
    return None


def answer(req: EmuRequest, fmt: str, seed: int, reason: str) -> Reply:
    data = _images.image(fmt)
    accept = req.headers.get("accept", "image/*")
    if accept == "application/json":
        body = {"image": _images.b64(fmt), "finish_reason": reason, "seed": seed}
        # The reference lists the JSON answer's type as ``application/json; type=image/png``.
        ctype = f"application/json; type={_images.mime_type(fmt)}"
        return Reply(200, {"content-type": ctype}, json.dumps(body).encode())
    if accept not in ("image/*", f"image/{fmt}"):
        return error(400, "bad_request", "accept: must be image/* or application/json")
    headers = {"content-type": _images.mime_type(fmt), "seed": str(seed), "finish-reason": reason}
    return Reply(200, headers, data)


def _auth(req: EmuRequest, emu: Emulator) -> Reply | None:
    value = req.headers.get("authorization", "")
    if not value.startswith("Bearer ") or not value[7:]:
        return error(401, "unauthorized", "authorization: missing")
    if emu.api_key is not None and value[7:] != emu.api_key:
        return error(401, "unauthorized", "authorization: invalid API key")
    return None


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    denied = _auth(req, emu)
    if denied is not None:
        return denied
    path = req.path.rstrip("/")
    if req.method == "GET" and path.startswith("/v2beta/results/"):
        job = _JOBS.get(path.rsplit("/", 1)[-1])
        if job is None:
            return error(404, "not_found", "id: no such generation")
        if job[0] > 0:
            job[0] -= 1
            return Reply(
                202,
                {"content-type": "application/json"},
                json.dumps({"id": job[1], "status": "in-progress"}).encode(),
            )
        return answer(req, job[2], job[3], "SUCCESS")
    route = path.removeprefix("/v2beta/stable-image/")
    if req.method != "POST" or route not in ROUTES:
        return error(404, "not_found", f"no route {req.method} {path}")
    form = parse_form(req)
    if isinstance(form, str):
        return error(400, "bad_request", form)
    wrong = check_form(route, form)
    if wrong is not None:
        return error(400, "bad_request", wrong)
    script = emu.take_script(req.path) or Script()
    if script.error is not None:
        e = script.error
        return error(e.status, e.type or "bad_request", e.message)
    fmt = _text(form, "output_format") or "png"
    seed = int(_text(form, "seed") or 0) or 1234567
    if route == "upscale/creative":
        rid = secrets.token_hex(32)
        _JOBS[rid] = [int(script.extra.get("polls", 1)), rid, fmt, seed]
        return Reply(200, {"content-type": "application/json"}, json.dumps({"id": rid}).encode())
    reason = "CONTENT_FILTERED" if script.finish_reason == "content_filter" else "SUCCESS"
    return answer(req, fmt, seed, reason)
