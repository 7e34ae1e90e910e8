"""Hugging Face Text Embeddings Inference (self-hosted) and the Hub's hosted feature-extraction
route, written from TEI's OpenAPI document and huggingface_hub's InferenceClient, not from
llmkit's dialect.

* ``huggingface_tei``: ``/embed`` (``inputs``, ``normalize``, ``truncate``,
  ``truncation_direction``, ``prompt_name``, ``dimensions``) answering a list of vectors, and
  ``/rerank`` (``query``, ``texts``, ``raw_scores``, ``return_text``, ``truncate``) answering
  ``[{index, score, text?}]`` best first; a batch past ``max_client_batch_size`` (32) is a 413;
  errors ``{"error", "error_type"}``; ``x-compute-tokens`` names the tokens used. The key is
  checked only when the emulator has one (TEI's ``--api-key``).
* ``hf_inference``: ``/hf-inference/models/{namespace}/{name}/pipeline/feature-extraction``,
  the same body (huggingface_hub adds ``encoding_format``), errors ``{"error"}``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from llmkit.emulator import _vectors as V
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

PROFILE = Profile("huggingface_tei", "llmkit.emulator.tei:handle", base_path="", error_shape="tei")
HOSTED = Profile("hf_inference", "llmkit.emulator.tei:handle_hosted", base_path="", error_shape="hf")

MAX_BATCH = 32  # TEI's default --max-client-batch-size
PROMPTS = {"query", "document", "passage"}  # the named prompts the emulated model's config has
_EMBED = {"inputs", "normalize", "truncate", "truncation_direction", "prompt_name", "dimensions"}
_RERANK = {"query", "texts", "raw_scores", "return_text", "truncate", "truncation_direction"}
_HOSTED = re.compile(
    r"^/hf-inference/models/([A-Za-z0-9][\w.-]*(?:/[A-Za-z0-9][\w.-]*)?)/pipeline/feature-extraction$"
)


def error(status: int, message: str, etype: str | None = None) -> Reply:
    body: dict[str, Any] = {"error": message}
    if etype is not None:
        body["error_type"] = etype
    return json_reply(status, body)


def _check_embed(body: Any, allowed: set[str]) -> tuple[list[str], Reply | None]:
    if not isinstance(body, dict):
        return [], error(422, "Failed to deserialize the JSON body", "Validation")
    unknown = sorted(set(body) - allowed)
    if unknown:
        return [], error(422, f"unknown field `{unknown[0]}`", "Validation")
    inputs = body.get("inputs")
    texts = [inputs] if type(inputs) is str else inputs
    if type(texts) is not list or not all(type(t) is str for t in texts):
        return [], error(422, "inputs: expected a string or a list of strings", "Validation")
    if not texts:
        return [], error(400, "`inputs` cannot be empty", "Empty")
    if len(texts) > MAX_BATCH:
        return [], error(
            413, f"batch size {len(texts)} > maximum allowed batch size {MAX_BATCH}", "Validation"
        )
    prompt = body.get("prompt_name")
    if prompt is not None and prompt not in PROMPTS:
        return [], error(422, f"Prompt name `{prompt}` is not in the model's prompts", "Validation")
    if body.get("truncation_direction") not in (None, "Left", "Right", "left", "right"):
        return [], error(422, "truncation_direction: expected Left or Right", "Validation")
    return texts, None


def embed(body: dict[str, Any], texts: list[str]) -> Reply:
    dim = body.get("dimensions")
    if dim is not None and (type(dim) is not int or not 1 <= dim <= 384):
        return error(400, f"dimensions {dim} must be between 1 and the model's 384", "Validation")
    normalize = body.get("normalize", True) is not False
    prompt = body.get("prompt_name") or ""
    vectors = [V.fake_vector(prompt + t, dim or 16, normalize) for t in texts]
    used = sum(V.tokens(t) for t in texts)
    return json_reply(200, vectors, {"x-compute-tokens": str(used), "x-compute-type": "cpu"})


def rerank(body: Any) -> Reply:
    if not isinstance(body, dict) or set(body) - _RERANK:
        return error(422, "unknown field in the rerank body", "Validation")
    query, texts = body.get("query"), body.get("texts")
    if type(query) is not str or type(texts) is not list or not all(type(t) is str for t in texts):
        return error(422, "query must be a string and texts a list of strings", "Validation")
    if not texts:
        return error(400, "`texts` cannot be empty", "Empty")
    if len(texts) > MAX_BATCH:
        return error(413, f"batch size {len(texts)} > maximum allowed batch size {MAX_BATCH}", "Validation")
    rows = []
    for i, t in enumerate(texts):
        s = V.score(query, t)
        row: dict[str, Any] = {"index": i, "score": s * 8 - 4 if body.get("raw_scores") else s}
        if body.get("return_text"):
            row["text"] = t
        rows.append(row)
    rows.sort(key=lambda r: -r["score"])
    used = V.tokens(query) * len(texts) + sum(V.tokens(t) for t in texts)
    return json_reply(200, rows, {"x-compute-tokens": str(used)})


def _scripted(req: EmuRequest, emu: Emulator, hosted: bool) -> Reply | None:
    script = emu.take_script(req.path) or Script()
    faulted = V.fault(script)
    if faulted is not None:
        return faulted
    if script.error is not None:
        e = script.error
        body: dict[str, Any] = {"error": e.message}
        if not hosted:
            body["error_type"] = e.type or ("Overloaded" if e.status == 429 else "Backend")
        return Reply(e.status, {"content-type": "application/json", **e.headers}, json.dumps(body).encode())
    return None


def _denied(req: EmuRequest, emu: Emulator, required: bool) -> Reply | None:
    value = req.headers.get("authorization", "")
    if emu.api_key is None or (not value and not required):
        return None
    if value != f"Bearer {emu.api_key}":
        return error(401, "Invalid credentials" if value else "Missing bearer token", "Unauthorized")
    return None


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    denied = _denied(req, emu, required=False)
    if denied is not None:
        return denied
    if req.method != "POST" or req.path not in ("/embed", "/rerank"):
        return error(404, f"no route {req.method} {req.path}")
    try:
        body = req.json()
    except ValueError:
        return error(422, "Failed to parse the request body as JSON", "Validation")
    if req.path == "/rerank":
        return _scripted(req, emu, False) or rerank(body)
    texts, wrong = _check_embed(body, _EMBED)
    return wrong or _scripted(req, emu, False) or embed(body, texts)


def handle_hosted(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    denied = _denied(req, emu, required=True)
    if denied is not None:
        return json_reply(401, {"error": "Invalid credentials in Authorization header"})
    if req.method != "POST" or _HOSTED.match(req.path) is None:
        return json_reply(404, {"error": "Not Found"})
    try:
        body = req.json()
    except ValueError:
        return json_reply(400, {"error": "Malformed JSON"})
    texts, wrong = _check_embed(body, _EMBED | {"encoding_format"})
    if wrong is not None:
        return json_reply(wrong.status, {"error": json.loads(wrong.body)["error"]})
    return _scripted(req, emu, True) or embed(body, texts)
