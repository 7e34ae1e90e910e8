"""The Amazon SageMaker Runtime handler, written from the SageMaker API reference and botocore's
service model ``sagemaker-runtime/2017-05-13``, with a model container behind it.

SageMaker's side: every request's SigV4 signature is verified (signing name
``sagemaker``, the test credentials of ``llmkit.emulator.bedrock``);
``POST /endpoints/{EndpointName}/invocations`` answers with the container's bytes
and ``/invocations-response-stream`` with event-stream ``PayloadPart`` frames whose
payloads are slices of the container's output cut at awkward offsets (inside SSE
lines, JSON records and UTF-8 characters). The container's content type comes back
in ``Content-Type`` (sync) or ``X-Amzn-SageMaker-Content-Type`` (stream); the
custom attributes are echoed; ``NEW_SESSION`` opens a session. Errors use the
service's types: ``ValidationError`` 400, ``ModelError`` 424 (with
``OriginalStatusCode`` / ``OriginalMessage`` / ``LogStreamArn``),
``ModelNotReadyException`` 429, ``InternalFailure`` 500, ``ServiceUnavailable`` 503,
and ``ModelStreamError`` inside a stream.

The container's side, picked from the body: an OpenAI chat body (``messages``) is
answered as the messages API of TGI / vLLM / LMI; ``inputs`` as TGI ``generate``
(``[{"generated_text", "details"}]``, streamed as ``data:{"token": ...}`` records);
anything else as a custom container that echoes the body (or answers
``Script.extra["raw_reply"]``).

Script extras: ``require_eula`` (refuse without ``accept_eula=true`` in the custom
attributes, as JumpStart's gated models do), ``require_component`` (the
inference-component header), ``part_sizes`` (how to cut stream payloads),
``in_payload`` (a ``stream_error`` fault written by the container into its own
output instead of a ``ModelStreamError`` frame).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

from llmkit.emulator._content import call_arguments, count_tokens, default_answer, split_args, split_text
from llmkit.emulator._faults import early_reply, stream_reply
from llmkit.emulator.bedrock import aws_error, check_sigv4, corrupt
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply
from llmkit.framing.eventstream_encode import CONTENT_TYPE, encode_event, encode_exception

__all__ = ["handle", "split_parts"]

_PATH = re.compile(r"^/endpoints/([^/]+)/(invocations|invocations-response-stream)$")
# EndpointName: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*, at most 63 characters.
_ENDPOINT_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
ERROR_TYPE_BY_STATUS = {
    400: "ValidationError",
    424: "ModelError",
    429: "ModelNotReadyException",
    500: "InternalFailure",
    503: "ServiceUnavailable",
    530: "InternalDependencyException",
}
# Cut stream output into parts of these sizes, in turn: small and odd, to split everything.
PART_SIZES = (1, 5, 2, 11, 3, 17, 4, 7, 29)
_ACCOUNT = "123456789012"
_LOG_STREAM = f"arn:aws:logs:us-east-1:{_ACCOUNT}:log-group:/aws/sagemaker/Endpoints/emulated"


def _error(status: int, message: str, error_type: str | None = None, **extra: Any) -> Reply:
    etype = error_type or ERROR_TYPE_BY_STATUS.get(status, "InternalFailure")
    # ModelError carries its own members (Message, OriginalMessage, ...); the others {"message"}.
    return aws_error("sagemaker", status, etype, extra or {"message": message})


def model_error(endpoint: str, original_status: int, original_message: str) -> Reply:
    kind = "client" if original_status < 500 else "server"
    message = (
        f'Received {kind} error ({original_status}) from primary with message "{original_message}". '
        f"See https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logEventViewer:"
        f"group=/aws/sagemaker/Endpoints/{endpoint} in account {_ACCOUNT} for more information."
    )
    return _error(
        424,
        message,
        "ModelError",
        ErrorCode=f"{kind.upper()}_ERROR_FROM_MODEL",
        LogStreamArn=_LOG_STREAM,
        Message=message,
        OriginalMessage=original_message,
        OriginalStatusCode=original_status,
    )


def scripted_error(endpoint: str, err: ScriptedError) -> Reply:
    etype = err.type or ERROR_TYPE_BY_STATUS.get(err.status, "InternalFailure")
    if etype == "ModelError":
        original = int(err.code) if err.code and err.code.isdigit() else 500
        reply = model_error(endpoint, original, err.message)
    else:
        reply = _error(err.status, err.message, etype)
    reply.headers.update(err.headers)
    return reply


def split_parts(data: bytes, sizes: tuple[int, ...] | list[int] = PART_SIZES) -> list[bytes]:
    """``data`` cut into consecutive slices of ``sizes`` (cycled)."""
    parts: list[bytes] = []
    pos = 0
    i = 0
    while pos < len(data):
        size = max(1, int(sizes[i % len(sizes)]))
        parts.append(data[pos : pos + size])
        pos += size
        i += 1
    return parts


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    denied = check_sigv4(req, profile, "sagemaker")
    if denied is not None:
        return denied
    found = _PATH.match(req.path) if req.method == "POST" else None
    if found is None:
        return aws_error("sagemaker", 404, "UnknownOperationException", {"message": "Unknown operation"})
    endpoint, route = found.group(1), found.group(2)
    stream = route == "invocations-response-stream"
    if not _ENDPOINT_NAME.match(endpoint):
        return _error(
            400,
            f"1 validation error detected: Value '{endpoint}' at 'endpointName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*",
        )
    if len(req.body) > 25 * 1024 * 1024:
        return _error(400, "Request payload is too large")
    script = emu.take_script(req.path) or Script()
    headers = req.headers
    attributes = headers.get("x-amzn-sagemaker-custom-attributes", "")
    if script.extra.get("require_component") and not headers.get("x-amzn-sagemaker-inference-component"):
        return _error(
            400,
            "Inference Component Name header is required for endpoints to which you plan to deploy "
            "inference components. Please include Inference Component Name header or consider using "
            "SageMaker models.",
        )
    if script.extra.get("require_eula") and "accept_eula=true" not in attributes.replace(" ", "").lower():
        return model_error(
            endpoint,
            400,
            '{"code":400,"message":"Need to pass custom_attributes=\'accept_eula=true\' as part of header. '
            'This means you have read and accept the end-user-license-agreement (EULA) of the model."}',
        )
    early = early_reply(script, lambda err: scripted_error(endpoint, err))
    if early is not None:
        return early

    content_type, output, stream_output = _container(req, script, stream)
    if isinstance(output, Reply):
        return output
    out_headers = {
        "x-Amzn-Invoked-Production-Variant": headers.get("x-amzn-sagemaker-target-variant", "AllTraffic"),
        "x-amzn-RequestId": str(uuid.uuid4()),
    }
    if attributes:
        out_headers["X-Amzn-SageMaker-Custom-Attributes"] = attributes
    if headers.get("x-amzn-sagemaker-session-id") == "NEW_SESSION":
        expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1200))
        out_headers["X-Amzn-SageMaker-New-Session-Id"] = f"{uuid.uuid4()}; Expires={expires}"
    if not stream:
        return Reply(200, {"content-type": content_type, **out_headers}, output, delay=script.delay)
    assert stream_output is not None
    return _stream_reply(script, content_type, stream_output, out_headers)


# --------------------------------------------------------------------------- the container


def _container(req: EmuRequest, script: Script, stream: bool) -> tuple[str, Any, list[bytes] | None]:
    """(content type, sync body or an error Reply, stream records)."""
    try:
        body = json.loads(req.body) if req.body else None
    except ValueError:
        body = None
    if isinstance(body, dict) and "messages" in body:
        return _messages(body, script, stream)
    if isinstance(body, dict) and "inputs" in body:
        return _tgi(body, script, stream)
    reply = script.extra.get("raw_reply", req.body)
    raw = reply if isinstance(reply, bytes) else str(reply).encode()
    accept = req.headers.get("x-amzn-sagemaker-accept" if stream else "accept") or ""
    content_type = (
        accept if accept and accept != "*/*" else req.headers.get("content-type", "application/json")
    )
    return content_type, raw, [raw]


def _container_error(status: int, message: str) -> Reply:
    return model_error("emulated", status, json.dumps({"error": message}))


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _messages(body: dict[str, Any], script: Script, stream: bool) -> tuple[str, Any, list[bytes] | None]:
    messages = body["messages"]
    if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
        return "application/json", _container_error(422, "messages must be a non-empty list"), None
    tools = [(t["function"]["name"], t["function"].get("parameters")) for t in body.get("tools") or ()]
    choice = body.get("tool_choice")
    forced = choice.get("function", {}).get("name") if isinstance(choice, dict) else choice
    user = next((_text_of(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), "")
    if messages[-1].get("role") == "tool" and script.text is None and script.tool_calls is None:
        script.text = "Thanks, the tool answered: " + _text_of(messages[-1].get("content"))[:200]
    found = body.get("response_format")
    response_format: dict[str, Any] = found if isinstance(found, dict) else {}
    schema: Any = None
    if response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema") or {"type": "object"}
    elif response_format.get("type") == "json_object":
        schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
    script = default_answer(user, tools, forced, schema, script)
    model = body.get("model") or "tgi"
    prompt = count_tokens(json.dumps(messages)) if script.input_tokens is None else script.input_tokens
    text = script.text or ""
    completion = count_tokens(text) if script.output_tokens is None else script.output_tokens
    usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    calls = [
        {
            "id": c.id or f"call_{i}",
            "type": "function",
            "function": {"name": c.name, "arguments": call_arguments(c)},
        }
        for i, c in enumerate(script.tool_calls or ())
    ]
    finish = script.finish_reason or ("tool_calls" if calls else "stop")
    created = int(time.time())
    if not stream:
        message: dict[str, Any] = {"role": "assistant", "content": text or None}
        if calls:
            message["tool_calls"] = calls
        answer = {
            "object": "chat.completion",
            "id": "",
            "created": created,
            "model": model,
            "system_fingerprint": "2.4.0-emulated",
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
            "usage": usage,
        }
        return "application/json", json.dumps(answer).encode(), None

    def chunk(delta: dict[str, Any], reason: str | None = None, **extra: Any) -> bytes:
        obj = {
            "object": "chat.completion.chunk",
            "id": "",
            "created": created,
            "model": model,
            "system_fingerprint": "2.4.0-emulated",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": reason}],
            **extra,
        }
        return b"data: " + json.dumps(obj, ensure_ascii=False).encode() + b"\n\n"

    records = [chunk({"role": "assistant", "content": ""})]
    records += [
        chunk({"role": "assistant", "content": piece})
        for piece in split_text(text, script.chunk_chars, script.n_chunks)
        if text
    ]
    for i, call in enumerate(script.tool_calls or ()):
        first = {"index": i, "id": call.id or f"call_{i}", "type": "function"}
        records.append(chunk({"tool_calls": [{**first, "function": {"name": call.name, "arguments": ""}}]}))
        records += [
            chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]})
            for piece in split_args(call_arguments(call))
        ]
    records.append(chunk({}, finish))
    if (body.get("stream_options") or {}).get("include_usage"):
        last: dict[str, Any] = {
            "object": "chat.completion.chunk",
            "id": "",
            "created": created,
            "model": model,
            "choices": [],
        }
        records.append(b"data: " + json.dumps({**last, "usage": usage}).encode() + b"\n\n")
    records.append(b"data: [DONE]\n\n")
    return "text/event-stream", None, records


def _tgi(body: dict[str, Any], script: Script, stream: bool) -> tuple[str, Any, list[bytes] | None]:
    inputs = body["inputs"]
    parameters = body.get("parameters") or {}
    if not isinstance(inputs, str) or not isinstance(parameters, dict):
        return (
            "application/json",
            _container_error(422, "Failed to deserialize the JSON body into the target type"),
            None,
        )
    max_new = parameters.get("max_new_tokens")
    if max_new is not None and (not isinstance(max_new, int) or max_new < 1):
        return (
            "application/json",
            _container_error(422, "Input validation error: `max_new_tokens` must be strictly positive"),
            None,
        )
    script = default_answer(inputs, [], None, None, script)
    text = script.text or ""
    pieces = split_text(text, script.chunk_chars, script.n_chunks) if text else []
    finish = {"length": "length", "stop": "eos_token"}.get(script.finish_reason or "stop", "eos_token")
    prefill = [{"id": i, "text": w, "logprob": None} for i, w in enumerate(inputs.split()[:50])]
    details = {
        "finish_reason": finish,
        "generated_tokens": len(pieces) + (1 if finish == "eos_token" else 0),
        "seed": None,
    }
    if not stream:
        answer: dict[str, Any] = {"generated_text": text}
        if parameters.get("details"):
            answer["details"] = {
                **details,
                "prefill": prefill if parameters.get("decoder_input_details") else [],
                "tokens": [],
            }
        return "application/json", json.dumps([answer], ensure_ascii=False).encode(), None
    records: list[bytes] = []
    for i, piece in enumerate(pieces):
        token = {"id": 1000 + i, "text": piece, "logprob": -0.25, "special": False}
        record = {"index": i + 1, "token": token, "top_tokens": None, "generated_text": None, "details": None}
        records.append(b"data:" + json.dumps(record, ensure_ascii=False).encode() + b"\n\n")
    final_token = {"id": 2, "text": "</s>", "logprob": -0.01, "special": True}
    final = {
        "index": len(pieces) + 1,
        "token": final_token,
        "top_tokens": None,
        "generated_text": text,
        "details": details,
    }
    records.append(b"data:" + json.dumps(final, ensure_ascii=False).encode() + b"\n\n")
    return "text/event-stream", None, records


# --------------------------------------------------------------------------- the stream


def _payload_error(content_type: str, err: ScriptedError) -> bytes:
    if content_type == "text/event-stream":
        obj = {"error": err.message, "error_type": err.type or "generation"}
        return b"data:" + json.dumps(obj).encode() + b"\n\n"
    return err.message.encode()


def _stream_reply(script: Script, content_type: str, records: list[bytes], headers: dict[str, str]) -> Reply:
    fault = script.fault
    err = script.error or ScriptedError(
        424, "Model stream error: the container closed the stream", code="ModelStreamError"
    )
    if fault in ("no_terminator", "stream_error", "malformed") and script.after < len(records):
        kept = records[: script.after]
        if fault == "stream_error" and script.extra.get("in_payload"):
            kept.append(_payload_error(content_type, err))
        records = kept
    sizes = tuple(script.extra.get("part_sizes") or PART_SIZES)
    output = b"".join(records)
    frames = [
        encode_event("PayloadPart", part, content_type="application/octet-stream")
        for part in split_parts(output, sizes)
    ]
    if fault == "malformed":
        frames.append(
            corrupt(encode_event("PayloadPart", b"data: {}\n\n", content_type="application/octet-stream"))
        )
    elif fault == "stream_error" and not script.extra.get("in_payload"):
        payload = {"Message": err.message, "ErrorCode": err.code or "ModelStreamError"}
        frames.append(encode_exception("ModelStreamError", json.dumps(payload).encode()))

    def chunks() -> Iterator[bytes]:
        yield from frames

    framing = {"content-type": CONTENT_TYPE, "X-Amzn-SageMaker-Content-Type": content_type}
    return stream_reply(script, {**framing, **headers}, chunks())
