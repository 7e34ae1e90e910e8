"""Replicate's HTTP API, written from its reference (https://replicate.com/docs/reference/http)
and replicate-python's recorded test bodies, not from llmkit's dialect.

Predictions are created at ``/v1/models/{owner}/{name}/predictions``, ``/v1/predictions``
(``version`` in the body) or ``/v1/deployments/{owner}/{name}/predictions`` and answered 201;
``Prefer: wait`` answers the finished prediction when it is ready at once. Each
``GET /v1/predictions/{id}`` moves it along (``starting`` -> ``processing`` -> ``succeeded``,
or ``failed`` with an error); ``POST .../cancel`` cancels it; ``GET /v1/streams/{id}`` is its
``urls.stream``: SSE ``output`` events (with ``id:`` lines), then ``done``.

A test shapes the next prediction with a ``Script``: ``text`` (streamed one word per event),
``error`` (an HTTP problem answer), ``fault`` (``cut``, ``stream_error``, ``disconnect``,
``malformed``), and ``extra``: ``polls`` (GETs before it ends; default 0 with ``Prefer: wait``,
else 2), ``fail`` (the error text it fails with), ``output`` (any output, e.g. file URLs),
``stream_url`` / ``get_url`` (what ``urls`` points at).
"""

from __future__ import annotations

import json
import re
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

_SLUG = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_CREATE = re.compile(rf"/v1/(?:models|deployments)/({_SLUG})/({_SLUG})/predictions")
_ONE = re.compile(r"/v1/predictions/([a-z0-9]+)(/cancel)?")
_STREAM = re.compile(r"/v1/streams/([a-z0-9]+)")
_VERSION = re.compile(r"(?:[A-Za-z0-9._-]+/[A-Za-z0-9._-]+:)?[0-9a-f]{64}")
_BODY_KEYS = {"version", "input", "stream", "webhook", "webhook_events_filter", "webhook_completed"}
PROFILE = Profile(
    "replicate",
    "llmkit.emulator.replicate:handle",
    base_path="",
    error_shape="problem",
    auth_headers=(("authorization", "Bearer "), ("authorization", "Token ")),
)


@dataclass(slots=True)
class _Prediction:
    id: str
    model: str
    version: str | None
    input: dict[str, Any]
    script: Script
    polls_left: int
    status: str = "starting"
    polls: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


_STATE: weakref.WeakKeyDictionary[Emulator, dict[str, _Prediction]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
_COUNTER = [0]


def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> Reply:
    h = {"content-type": "application/problem+json"}
    h.update(headers or {})
    return Reply(status, h, json.dumps({"title": title, "detail": detail, "status": status}).encode())


def _auth(req: EmuRequest, emu: Emulator) -> Reply | None:
    value = req.headers.get("authorization", "")
    scheme, _, key = value.partition(" ")
    if scheme not in ("Bearer", "Token") or not key:
        return problem(401, "Unauthenticated", "You did not pass an authentication token")
    if emu.api_key is not None and key != emu.api_key:
        return problem(401, "Unauthenticated", "You did not pass a valid authentication token")
    return None


def _predictions(emu: Emulator) -> dict[str, _Prediction]:
    with _LOCK:
        return _STATE.setdefault(emu, {})


def _new_id() -> str:
    with _LOCK:
        _COUNTER[0] += 1
        n = _COUNTER[0]
    return f"rp{n:06d}q7x2mnbc9t"


def _image_model(model: str) -> bool:
    return any(f in model for f in ("flux", "sdxl", "stable-diffusion"))


def output_of(p: _Prediction, base: str = "") -> Any:
    if "output" in p.script.extra:
        return p.script.extra["output"]
    if _image_model(p.model):
        fmt = str(p.input.get("output_format") or ("webp" if "flux" in p.model else "png"))
        return [
            f"{base}/replicate/files/{p.id}-{i}.{fmt}" for i in range(int(p.input.get("num_outputs") or 1))
        ]
    words = (p.script.text if p.script.text is not None else "Hello from Replicate.").split(" ")
    return [w if i == len(words) - 1 else w + " " for i, w in enumerate(words)]


def as_json(emu: Emulator, p: _Prediction) -> dict[str, Any]:
    base = f"{emu.url}/replicate/v1"
    done = p.status in ("succeeded", "failed", "canceled")
    x = p.script.extra
    out = output_of(p, emu.url) if p.status == "succeeded" else None
    return {
        "id": p.id,
        "model": p.model,
        "version": p.version or "dp-4f0b2a1c9e8d7b6a5f4e3d2c1b0a9f8e",
        "input": p.input,
        "logs": "",
        "output": out,
        "data_removed": False,
        "error": x.get("fail") if p.status == "failed" else None,
        "status": p.status,
        "created_at": "2026-12-01T10:00:00.000Z",
        "started_at": None if p.status == "starting" else "2026-12-01T10:00:01.000Z",
        "completed_at": "2026-12-01T10:00:03.000Z" if done else None,
        "urls": {
            "get": x.get("get_url", f"{base}/predictions/{p.id}"),
            "cancel": f"{base}/predictions/{p.id}/cancel",
            "stream": x.get("stream_url", f"{base}/streams/{p.id}"),
            "web": f"https://replicate.com/p/{p.id}",
        },
        "metrics": {"predict_time": 1.5, "total_time": 2.0, "input_token_count": 12, "output_token_count": 7}
        if p.status == "succeeded"
        else {},
    }


def _finish(p: _Prediction) -> None:
    p.status = "failed" if p.script.extra.get("fail") else "succeeded"


def _create(req: EmuRequest, emu: Emulator, model: str | None) -> Reply:
    try:
        body = json.loads(req.body)
    except ValueError:
        return problem(400, "Invalid JSON", "The request body is not valid JSON")
    if not isinstance(body, dict) or not isinstance(body.get("input"), dict):
        return problem(422, "Input validation failed", "input is required and must be an object")
    unknown = set(body) - _BODY_KEYS
    if unknown:
        return problem(422, "Invalid request", f"unknown fields: {', '.join(sorted(unknown))}")
    version = body.get("version")
    if model is None:
        if not isinstance(version, str) or not _VERSION.fullmatch(version):
            return problem(422, "Invalid version", "version must be a 64-character version id")
    elif version is not None:
        return problem(422, "Invalid request", "version is not taken on this endpoint")
    prompt = body["input"].get("prompt")
    if prompt is not None and not isinstance(prompt, str):
        return problem(422, "Input validation failed", "input.prompt: must be a string")
    if model is not None and _image_model(model):
        wrong = check_image_input(model, body["input"])
        if wrong is not None:
            return problem(422, "Input validation failed", wrong)
    script = emu.take_script(req.path) or Script()
    if script.error is not None:
        e = script.error
        return problem(e.status, e.type or "Error", e.message, e.headers)
    if script.fault == "disconnect":
        return Reply(disconnect=True)
    wait = req.headers.get("prefer", "").startswith("wait")
    polls = script.extra.get("polls", 0 if wait else 2)
    p = _Prediction(_new_id(), model or "owner/versioned", version, body["input"], script, polls)
    _predictions(emu)[p.id] = p
    if polls == 0 and wait:
        _finish(p)
    elif wait:
        p.status = "processing"
    return json_reply(201, as_json(emu, p))


def _get(emu: Emulator, pid: str, cancel: bool) -> Reply:
    p = _predictions(emu).get(pid)
    if p is None:
        return problem(404, "Not found", "The requested resource could not be found")
    if cancel:
        if p.status not in ("succeeded", "failed"):
            p.status = "canceled"
        return json_reply(200, as_json(emu, p))
    if p.status in ("starting", "processing"):
        p.polls += 1
        if p.polls >= p.polls_left:
            _finish(p)
        else:
            p.status = "processing"
    return json_reply(200, as_json(emu, p))


def _stream(req: EmuRequest, emu: Emulator, pid: str) -> Reply:
    p = _predictions(emu).get(pid)
    if p is None:
        return problem(404, "Not found", "The requested resource could not be found")
    if "text/event-stream" not in req.headers.get("accept", ""):
        return problem(406, "Not acceptable", "Accept: text/event-stream is required")
    s = p.script
    chunks: list[bytes] = []
    tokens = output_of(p)
    pieces = tokens if isinstance(tokens, list) else [str(tokens)]
    fail = s.extra.get("fail")
    if s.fault == "stream_error":
        fail = s.error.message if s.error else "CUDA out of memory"
        pieces = pieces[: s.after]
    for n, tok in enumerate(pieces, 1):
        data = "".join(f"data: {line}\n" for line in str(tok).split("\n"))
        chunks.append(f"event: output\nid: {n}:0\n{data}\n".encode())
    end = len(pieces) + 1
    if fail:
        chunks.append(f"event: error\nid: {end}:0\ndata: {fail}\n\n".encode())
        chunks.append(f'event: done\nid: {end}:1\ndata: {{"reason": "error"}}\n\n'.encode())
    elif s.fault != "no_terminator":
        chunks.append(f"event: done\nid: {end}:0\ndata: {{}}\n\n".encode())
    p.status = "failed" if fail else "succeeded"
    headers = {"content-type": "text/event-stream", "cache-control": "no-store"}
    cut = s.after if s.fault == "cut" else None
    return Reply(200, headers, chunks=chunks, cut_after=cut, chunk_delay=s.chunk_delay)


_FLUX_RATIOS = {"1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21"}


def check_image_input(model: str, inp: dict[str, Any]) -> str | None:
    """What is wrong with an image model's input (FLUX's and SDXL's documented fields), or None."""
    if not isinstance(inp.get("prompt"), str):
        return "prompt: required string"
    n = inp.get("num_outputs", 1)
    if type(n) is not int or not 1 <= n <= 4:
        return "num_outputs: must be an integer from 1 to 4"
    if "flux" in model:
        allowed = {
            "prompt",
            "aspect_ratio",
            "num_outputs",
            "output_format",
            "seed",
            "image",
            "prompt_strength",
        }
        if inp.get("aspect_ratio", "1:1") not in _FLUX_RATIOS:
            return "aspect_ratio: not one of the documented ratios"
        if inp.get("output_format", "webp") not in ("webp", "jpg", "png"):
            return "output_format: must be webp, jpg or png"
    else:
        allowed = {
            "prompt",
            "negative_prompt",
            "width",
            "height",
            "num_outputs",
            "seed",
            "image",
            "mask",
            "prompt_strength",
        }
        for side in ("width", "height"):
            v = inp.get(side, 1024)
            if type(v) is not int or v % 8 or not 128 <= v <= 2048:
                return f"{side}: must be a multiple of 8 from 128 to 2048"
    unknown = set(inp) - allowed
    if unknown:
        return f"unknown input fields: {', '.join(sorted(unknown))}"
    for name in ("image", "mask"):
        v = inp.get(name)
        if v is not None and not (isinstance(v, str) and v.startswith(("data:image/", "https://"))):
            return f"{name}: must be a URL or a data URI"
    return None


def _file(path: str) -> Reply:
    from llmkit.emulator import _images

    ext = path.rsplit(".", 1)[-1]
    ext = "jpeg" if ext == "jpg" else ext
    if ext not in ("png", "jpeg", "webp"):
        return problem(404, "Not found", "no such file")
    return Reply(200, {"content-type": _images.mime_type(ext)}, _images.image(ext))


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    if req.method == "GET" and req.path.startswith("/files/"):  # replicate.delivery: no key
        return _file(req.path)
    denied = _auth(req, emu)
    if denied is not None:
        return denied
    path = req.path.rstrip("/")
    if req.method == "POST":
        m = _CREATE.fullmatch(path)
        if m is not None:
            return _create(req, emu, f"{m.group(1)}/{m.group(2)}")
        if path == "/v1/predictions":
            return _create(req, emu, None)
        m = _ONE.fullmatch(path)
        if m is not None and m.group(2):
            return _get(emu, m.group(1), True)
    elif req.method == "GET":
        m = _ONE.fullmatch(path)
        if m is not None and not m.group(2):
            return _get(emu, m.group(1), False)
        m = _STREAM.fullmatch(path)
        if m is not None:
            return _stream(req, emu, m.group(1))
    return problem(404, "Not found", f"no route for {req.method} {path}")
