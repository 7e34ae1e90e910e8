"""Hugging Face TGI's ``generate`` API and the servers that speak it (LoRAX, Predibase), emulated
from TGI's OpenAPI document (huggingface/text-generation-inference ``docs/openapi.json``), LoRAX's
REST reference and Predibase's REST docs, not from llmkit's dialect.

* ``tgi_generate``: ``POST /generate`` -> ``{"generated_text", "details"?}`` (``details`` only when
  asked: ``finish_reason`` of ``length | eos_token | stop_sequence``, ``generated_tokens``,
  ``prefill`` (filled with ``decoder_input_details``), ``tokens``, ``seed``); ``POST
  /generate_stream`` -> SSE, one ``{"index", "token", "generated_text": null, "details": null}``
  event a token, the last one (an ``</s>`` special token) with ``generated_text`` and
  ``details`` (``finish_reason``, ``generated_tokens``, ``input_length``, ``seed``). Unknown
  parameters are a 422 (``error_type: validation``); errors ``{"error", "error_type"}``, also as
  an event inside a 200 stream. A key is checked only when one is sent (``--api-key`` servers).
  ``POST /`` (the compatibility route) takes ``stream`` in the body and answers a whole
  generation as a one-item list.
* ``lorax``: the same, with LoRAX's parameters (``adapter_id``, ``adapter_source``,
  ``merged_adapters``, ``response_format``, ...; no ``grammar``) and ``prompt_tokens`` in details.
* ``predibase``: LoRAX under ``/{tenant}/deployments/v2/llms/{deployment}/generate[_stream]``,
  with a required Bearer token.
(``tgi``, TGI's Messages API, is OpenAI's format: a record in ``fleet_profiles``.)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from llmkit.emulator._content import count_tokens, sample, split_text
from llmkit.emulator._faults import STREAM_FAULTS, break_stream, early_reply, stream_reply
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

__all__ = ["LORAX", "PREDIBASE", "TGI", "handle"]

_HANDLER = "llmkit.emulator.generate:handle"
TGI = Profile("tgi_generate", _HANDLER, base_path="", auth_headers=(), error_shape="tgi")
LORAX = Profile("lorax", _HANDLER, base_path="", auth_headers=(), error_shape="tgi", extra={"lorax": True})
# ``base_url("predibase")`` names a tenant, as the hosted URL does; any tenant id is served.
PREDIBASE = Profile(
    "predibase",
    _HANDLER,
    base_path="/emu-tenant/deployments/v2/llms",
    error_shape="tgi",
    extra={"lorax": True, "predibase": True},
)

# GenerateParameters (TGI's OpenAPI document).
_TGI_PARAMETERS = frozenset(
    {"adapter_id", "best_of", "decoder_input_details", "details", "do_sample", "frequency_penalty",
     "grammar", "max_new_tokens", "repetition_penalty", "return_full_text", "seed", "stop",
     "temperature", "top_k", "top_n_tokens", "top_p", "truncate", "typical_p", "watermark"}
)  # fmt: skip
# LoRAX's Parameters (its REST reference): adapters, response_format, no grammar.
_LORAX_PARAMETERS = (_TGI_PARAMETERS - {"grammar", "frequency_penalty", "top_n_tokens"}) | {
    "adapter_source", "merged_adapters", "api_token", "ignore_eos_token", "return_k_alternatives",
    "response_format",
}  # fmt: skip
_ADAPTER_SOURCES = frozenset({"hub", "local", "s3", "pbase"})
_PREDIBASE_PATH = re.compile(
    r"^/([A-Za-z0-9_.~-]+)/deployments/v2/llms/([A-Za-z0-9_.~%-]+)(/generate(?:_stream)?)$"
)
_FINISH = {"stop": "eos_token", "length": "length", None: "eos_token"}
_SSE = {"content-type": "text/event-stream"}


def error_reply(err: ScriptedError) -> Reply:
    etype = err.type or {422: "validation", 424: "generation", 429: "overloaded"}.get(err.status, "error")
    return json_reply(err.status, {"error": err.message, "error_type": etype}, dict(err.headers))


def _denied(req: EmuRequest, emu: Emulator, required: bool) -> Reply | None:
    value = req.headers.get("authorization")
    if value is None and not required:
        return None
    scheme, _, key = (value or "").partition(" ")
    if scheme == "Bearer" and key and (emu.api_key is None or key == emu.api_key):
        return None
    return error_reply(ScriptedError(401, "Unauthorized", type="authentication"))


def _route(req: EmuRequest, profile: Profile) -> str | None:
    path = req.path
    if profile.extra.get("predibase"):
        m = _PREDIBASE_PATH.match(path)
        if m is None:
            return None
        path = m.group(3)
    # ``/`` is TGI's compatibility route (what huggingface_hub and lorax-client post to): the body's
    # ``stream`` picks the form, and a whole answer is a one-item list.
    return {"/generate": "generate", "/generate_stream": "stream", "/": "compat"}.get(path)


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    kind = _route(req, profile)
    if req.method != "POST" or kind is None:
        return json_reply(404, {"error": "Not Found", "error_type": "not_found"})
    denied = _denied(req, emu, required=bool(profile.extra.get("predibase")))
    if denied is not None:
        return denied
    try:
        body = req.json()
    except ValueError:
        return error_reply(ScriptedError(422, "Failed to deserialize the JSON body into the target type"))
    problem = _check(body, bool(profile.extra.get("lorax")))
    if problem:
        return error_reply(ScriptedError(422, problem))
    script = emu.take_script(req.path) or Script()
    early = early_reply(script, error_reply)
    if early is not None:
        return early
    params = body.get("parameters") or {}
    _plan(body, params, script)
    if kind == "compat":
        kind = "stream" if body.get("stream") is True else "list"
    if kind in ("generate", "list"):
        reply = _whole(body, params, script, bool(profile.extra.get("lorax")))
        if kind == "list" and script.fault != "malformed":
            reply.body = b"[" + reply.body + b"]"
        return reply
    return _stream(body, params, script, bool(profile.extra.get("lorax")))


def _check(body: Any, lorax: bool) -> str | None:
    if not isinstance(body, dict) or not isinstance(body.get("inputs"), str):
        return "Failed to deserialize the JSON body: missing field `inputs`"
    unknown = sorted(set(body) - {"inputs", "parameters", "stream"})
    if unknown:
        return f"unknown field `{unknown[0]}`"
    params = body.get("parameters", {})
    if not isinstance(params, dict):
        return "parameters must be an object"
    allowed = _LORAX_PARAMETERS if lorax else _TGI_PARAMETERS
    unknown = sorted(set(params) - allowed)
    if unknown:
        return f"unknown field `{unknown[0]}`"
    return _check_values(params, lorax)


def _check_values(params: dict[str, Any], lorax: bool) -> str | None:
    new = params.get("max_new_tokens")
    if new is not None and (type(new) is not int or new < 0):
        return "`max_new_tokens` must be a non-negative integer"
    temperature = params.get("temperature")
    if temperature is not None and (not isinstance(temperature, (int, float)) or temperature <= 0):
        return "`temperature` must be strictly positive"
    stop = params.get("stop", [])
    if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop) or len(stop) > 4:
        return "`stop` must be a list of at most 4 strings"
    grammar = params.get("grammar")
    if grammar is not None and (
        not isinstance(grammar, dict) or grammar.get("type") not in ("json", "regex")
    ):
        return "`grammar` must be {type: json | regex, value}"
    fmt = params.get("response_format")
    if fmt is not None and (not isinstance(fmt, dict) or fmt.get("type") != "json_object"):
        return "`response_format` must be {type: json_object, schema}"
    source = params.get("adapter_source")
    if lorax and source is not None and source not in _ADAPTER_SOURCES:
        return f"adapter_source must be one of {sorted(_ADAPTER_SOURCES)}"
    return None


def _plan(body: dict[str, Any], params: dict[str, Any], script: Script) -> None:
    if script.text is not None:
        return
    grammar, fmt = params.get("grammar"), params.get("response_format")
    schema = grammar.get("value") if grammar else (fmt.get("schema") if fmt else None)
    if script.json is not None:
        script.text = json.dumps(script.json)
    elif schema is not None:
        script.text = json.dumps(sample(schema))
    else:
        script.text = f"Hello from the llmkit emulator! You said: {body['inputs']}"


def _token(i: int, text: str, special: bool = False) -> dict[str, Any]:
    return {"id": 1000 + i, "text": text, "logprob": -0.25, "special": special}


def _counts(body: dict[str, Any], script: Script, pieces: list[str]) -> tuple[int, int]:
    prompt = script.input_tokens if script.input_tokens is not None else count_tokens(body["inputs"])
    output = script.output_tokens if script.output_tokens is not None else len(pieces) + 1
    return prompt, output


def _whole(body: dict[str, Any], params: dict[str, Any], script: Script, lorax: bool) -> Reply:
    text = script.text or ""
    pieces = split_text(text, script.chunk_chars, script.n_chunks) if text else []
    prompt, output = _counts(body, script, pieces)
    answer: dict[str, Any] = {"generated_text": text}
    if params.get("details"):
        prefill = (
            [{"id": 1, "text": "<s>", "logprob": None}] * prompt
            if params.get("decoder_input_details")
            else []
        )
        details: dict[str, Any] = {
            "finish_reason": _FINISH.get(script.finish_reason, script.finish_reason),
            "generated_tokens": output,
            "seed": params.get("seed"),
            "prefill": prefill,
            "tokens": [_token(i, p) for i, p in enumerate(pieces)],
        }
        if lorax:
            details["prompt_tokens"] = prompt
        answer["details"] = details
    reply = json_reply(200, answer)
    if script.fault == "malformed":  # a body cut short: not JSON
        reply.body = reply.body[: len(reply.body) // 2]
    reply.delay = script.delay
    return reply


def _stream(body: dict[str, Any], params: dict[str, Any], script: Script, lorax: bool) -> Reply:
    text = script.text or ""
    pieces = split_text(text, script.chunk_chars, script.n_chunks) if text else []
    prompt, output = _counts(body, script, pieces)
    events: list[dict[str, Any]] = [
        {"index": i + 1, "token": _token(i, p), "generated_text": None, "details": None}
        for i, p in enumerate(pieces)
    ]
    details = None
    if params.get("details"):
        details = {
            "finish_reason": _FINISH.get(script.finish_reason, script.finish_reason),
            "generated_tokens": output,
            "seed": params.get("seed"),
            ("prompt_tokens" if lorax else "input_length"): prompt,
        }
    final = {"index": len(pieces) + 1, "token": _token(len(pieces), "</s>", special=True),
             "generated_text": text, "details": details}  # fmt: skip
    events.append(final)
    encoded: Iterator[bytes] = (b"data:" + json.dumps(e).encode() + b"\n\n" for e in events)

    def corrupt(event: bytes) -> bytes:
        return event.replace(b"{", b"{{", 1)

    def error() -> Iterator[bytes]:
        err = script.error or ScriptedError(500, "Request failed during generation", type="generation")
        etype = err.type or "generation"
        yield b"data:" + json.dumps({"error": err.message, "error_type": etype}).encode() + b"\n\n"

    if script.fault in STREAM_FAULTS:
        encoded = break_stream(encoded, script, corrupt, error)
    return stream_reply(script, dict(_SSE), encoded)
