"""The Amazon Bedrock Runtime handler, written from the Bedrock API reference and botocore's
service model ``bedrock-runtime/2023-09-30``.

It shares no code with ``llmkit.dialects.bedrock_converse`` on purpose: a misreading in
one shows up as a failure against the other. (The SageMaker handler reuses its AWS parts.)

What it checks, as the service does:
- every request's SigV4 signature, recomputed from the received method, path, headers
  and body with the known test credentials below (signing name ``bedrock``, region
  ``us-east-1``); a bad signature, unknown key or stale date is refused with AWS's own
  403 (``x-amzn-ErrorType`` + ``{"message": ...}``). A Bedrock API key
  (``Authorization: Bearer``) is accepted instead when it is ``BEDROCK_API_KEY``;
- Converse bodies: known top-level members, ``user``/``assistant`` turns that start with
  a user turn and alternate, content blocks that hold exactly one member, tool results
  that answer the tool uses of the turn before, ``inferenceConfig`` and ``toolConfig``
  shapes;
- InvokeModel bodies for the Titan and Cohere embedding models.

Streams are real ``application/vnd.amazon.eventstream`` frames in the documented order:
``messageStart``; for each block ``contentBlockStart`` (tool use only: text and
reasoning blocks begin directly with deltas), ``contentBlockDelta``\\ s,
``contentBlockStop``; ``messageStop``; ``metadata`` last. Payloads carry the random
``"p"`` padding member the service adds. Faults: in-stream exceptions
(``throttlingException``, ``validationException``, ``modelStreamErrorException``, ...),
a dropped connection, a frame with a corrupt CRC, an early end.
"""

from __future__ import annotations

import json
import math
import re
import string
import struct
import uuid
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlencode

from llmkit.auth.sigv4 import AwsCredentials, SigV4Failure, verify_signature
from llmkit.emulator._content import call_arguments, count_tokens, default_answer, split_args, split_text
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script, ScriptedCall, ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply
from llmkit.transport.aws_eventstream import CONTENT_TYPE, encode_event, encode_exception

__all__ = [
    "ACCESS_KEY",
    "BEDROCK_API_KEY",
    "CREDENTIALS",
    "REGION",
    "SECRET_KEY",
    "SESSION_ACCESS_KEY",
    "SESSION_SECRET_KEY",
    "SESSION_TOKEN",
    "aws_error",
    "check_sigv4",
    "handle",
]

# --------------------------------------------------------------------------- AWS parts

# The only credentials the emulator accepts. Fake, for tests and demos.
ACCESS_KEY = "AKIDEMULATOR"
SECRET_KEY = "emulator/FAKE+secret/key/not-a-real-one0"
# Temporary credentials: the session token must come with them.
SESSION_ACCESS_KEY = "ASIAEMULATOR"
SESSION_SECRET_KEY = "emulator/FAKE+session+secret/not-real00"
SESSION_TOKEN = "FwoGZXIvYXdzEMULATOR//fake-session-token"
# A Bedrock API key (sent as a bearer token) the bedrock profile accepts instead of SigV4.
BEDROCK_API_KEY = "ABSKemulatorFAKEbedrockApiKey"
# The region a request's credential scope must name.
REGION = "us-east-1"

CREDENTIALS = {
    ACCESS_KEY: AwsCredentials(ACCESS_KEY, SECRET_KEY),
    SESSION_ACCESS_KEY: AwsCredentials(SESSION_ACCESS_KEY, SESSION_SECRET_KEY, SESSION_TOKEN),
}

# The namespace AWS services append to x-amzn-ErrorType.
_NAMESPACE = {
    "bedrock": "http://internal.amazon.com/coral/com.amazon.bedrock/",
    "sagemaker": "http://internal.amazon.com/coral/com.amazon.sagemaker/",
}


def request_id() -> str:
    return str(uuid.uuid4())


def aws_error(service: str, status: int, error_type: str, body: dict[str, Any]) -> Reply:
    """An AWS rest-json error: the type in ``x-amzn-ErrorType``, a JSON body, a request id."""
    namespace = _NAMESPACE.get(service, "")
    headers = {
        "content-type": "application/json",
        "x-amzn-ErrorType": f"{error_type}:{namespace}" if namespace else error_type,
        "x-amzn-RequestId": request_id(),
    }
    return Reply(status, headers, json.dumps(body).encode())


def check_sigv4(req: EmuRequest, profile: Profile, service: str, now: datetime | None = None) -> Reply | None:
    """None when the request carries a valid SigV4 signature for ``service``; else AWS's 403."""
    verdict = verify_signature(
        req.method,
        req.full_path,
        urlencode(req.query),
        req.headers,
        req.body,
        CREDENTIALS,
        now or datetime.now(UTC),
        region=str(profile.extra.get("region", REGION)),
        service=service,
    )
    if verdict.ok:
        return None
    failure = verdict.failure
    assert failure is not None
    message = verdict.message
    if failure is SigV4Failure.MISMATCH and verdict.canonical_request is not None:
        # AWS echoes what it computed, so a client can see where its canonical form differs.
        message = (
            f"{message}\n\nThe Canonical String for this request should have been\n'"
            f"{verdict.canonical_request}'\n\nThe String-to-Sign should have been\n'"
            f"{verdict.string_to_sign}'\n"
        )
    return aws_error(service, 403, failure.aws_error_code, {"message": message})


# --------------------------------------------------------------------------- Bedrock shapes

# Converse request members (botocore ConverseRequest, minus the modelId path member).
CONVERSE_FIELDS = frozenset(
    {
        "messages",
        "system",
        "inferenceConfig",
        "toolConfig",
        "guardrailConfig",
        "additionalModelRequestFields",
        "promptVariables",
        "additionalModelResponseFieldPaths",
        "requestMetadata",
        "performanceConfig",
        "serviceTier",
        "outputConfig",
    }
)
INFERENCE_FIELDS = frozenset({"maxTokens", "temperature", "topP", "stopSequences"})
CONTENT_MEMBERS = frozenset(
    {
        "text",
        "image",
        "document",
        "video",
        "audio",
        "toolUse",
        "toolResult",
        "guardContent",
        "cachePoint",
        "reasoningContent",
        "citationsContent",
        "searchResult",
    }
)
SYSTEM_MEMBERS = frozenset({"text", "guardContent", "cachePoint"})
TOOL_RESULT_MEMBERS = frozenset({"json", "text", "image", "document", "video", "searchResult"})

# HTTP exceptions by status (botocore's error shapes for Converse and InvokeModel).
ERROR_TYPE_BY_STATUS = {
    400: "ValidationException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    408: "ModelTimeoutException",
    424: "ModelErrorException",
    429: "ThrottlingException",
    500: "InternalServerException",
    503: "ServiceUnavailableException",
}
# In-stream exception members of ConverseStreamOutput.
STREAM_EXCEPTIONS = {
    "throttlingexception": "throttlingException",
    "validationexception": "validationException",
    "modelstreamerrorexception": "modelStreamErrorException",
    "internalserverexception": "internalServerException",
    "serviceunavailableexception": "serviceUnavailableException",
}
STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "content_filter": "content_filtered",
}
_MODEL_PATH = re.compile(r"^/model/([^/]+)/(converse|converse-stream|invoke|count-tokens)$")
_PADDING = string.ascii_letters + string.digits


class Invalid(Exception):
    pass


def _error(status: int, message: str, error_type: str | None = None, **extra: Any) -> Reply:
    etype = error_type or ERROR_TYPE_BY_STATUS.get(status, "InternalServerException")
    return aws_error("bedrock", status, etype, {"message": message, **extra})


def scripted_error(err: ScriptedError) -> Reply:
    etype = err.type or ERROR_TYPE_BY_STATUS.get(err.status, "InternalServerException")
    extra: dict[str, Any] = {}
    if etype == "ModelErrorException":
        extra = {"originalStatusCode": int(err.code or 500), "resourceName": "emulated-model"}
    reply = _error(err.status, err.message, etype, **extra)
    reply.headers.update(err.headers)
    return reply


def _bearer_ok(req: EmuRequest, emu: Emulator) -> bool | None:
    """None without a bearer token; else whether it is a key this emulator knows."""
    value = req.headers.get("authorization", "")
    if not value.startswith("Bearer "):
        return None
    token = value[7:]
    return token == BEDROCK_API_KEY or (emu.api_key is not None and token == emu.api_key)


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    bearer = _bearer_ok(req, emu)
    if bearer is False:
        return _error(
            403, "Invalid API Key format: Must start with pre-defined prefix", "AccessDeniedException"
        )
    if bearer is None:
        denied = check_sigv4(req, profile, "bedrock")
        if denied is not None:
            return denied
    if req.method != "POST":
        return _error(404, f"Unknown operation: {req.method} {req.path}", "UnknownOperationException")
    found = _MODEL_PATH.match(req.path)
    if found is None:
        return _error(404, f"Unknown operation: POST {req.path}", "UnknownOperationException")
    model_id = unquote(found.group(1))
    operation = found.group(2)
    if not model_id or len(model_id) > 2048:
        return _error(400, "1 validation error detected: Value at 'modelId' failed to satisfy constraint")
    try:
        body = json.loads(req.body) if req.body else None
    except ValueError:
        return _error(400, "Malformed input request, please reformat your input and try again.")
    if not isinstance(body, dict):
        return _error(400, "Malformed input request: the body must be a JSON object.")
    if operation == "invoke":
        return _invoke(req, emu, model_id, body)
    if operation == "count-tokens":
        converse = (body.get("input") or {}).get("converse") if set(body) == {"input"} else None
        if not isinstance(converse, dict):
            return _error(400, "CountTokens needs input.converse (or input.invokeModel)")
        try:
            _check_converse(converse)
        except Invalid as exc:
            return _error(400, str(exc))
        tokens = count_tokens(json.dumps(converse["messages"]) + json.dumps(converse.get("system", [])))
        headers = {"content-type": "application/json", "x-amzn-RequestId": request_id()}
        return Reply(200, headers, json.dumps({"inputTokens": tokens}).encode())
    try:
        _check_converse(body)
    except Invalid as exc:
        return _error(400, str(exc))
    script = emu.take_script(req.path) or Script()
    if script.error is not None and script.fault != "stream_error":
        reply = scripted_error(script.error)
        reply.delay = script.delay
        return reply
    if script.fault == "disconnect":
        return Reply(disconnect=True, delay=script.delay)
    script = _plan(body, script)
    if operation == "converse":
        return _converse(body, script, model_id)
    return _converse_stream(body, script)


# --------------------------------------------------------------------------- validation


def _check_blocks(blocks: Any, where: str, allowed: frozenset[str]) -> list[dict[str, Any]]:
    if not isinstance(blocks, list):
        raise Invalid(f"{where} must be a list")
    for i, block in enumerate(blocks):
        if not isinstance(block, dict) or len(block) != 1:
            raise Invalid(f"{where}[{i}] must set exactly one member of the union")
        (member,) = block
        if member not in allowed:
            raise Invalid(f"{where}[{i}]: unknown or misplaced content block member {member!r}")
        value = block[member]
        if member == "text" and not isinstance(value, str):
            raise Invalid(f"{where}[{i}].text must be a string")
        if member == "toolUse" and (
            not isinstance(value, dict)
            or not value.get("toolUseId")
            or not value.get("name")
            or not isinstance(value.get("input"), dict)
        ):
            raise Invalid(f"{where}[{i}].toolUse needs toolUseId, name and an object input")
        if member == "toolResult":
            if not isinstance(value, dict) or not value.get("toolUseId"):
                raise Invalid(f"{where}[{i}].toolResult needs toolUseId")
            _check_blocks(value.get("content", []), f"{where}[{i}].toolResult.content", TOOL_RESULT_MEMBERS)
        if member == "image":
            if not isinstance(value, dict) or value.get("format") not in ("png", "jpeg", "gif", "webp"):
                raise Invalid(f"{where}[{i}].image.format must be png, jpeg, gif or webp")
            source = value.get("source")
            if not isinstance(source, dict) or len(source) != 1:
                raise Invalid(f"{where}[{i}].image.source must set bytes or s3Location")
        if member == "reasoningContent" and (not isinstance(value, dict) or len(value) != 1):
            raise Invalid(f"{where}[{i}].reasoningContent must set reasoningText or redactedContent")
    return blocks


def _check_converse(body: dict[str, Any]) -> None:
    unknown = sorted(set(body) - CONVERSE_FIELDS)
    if unknown:
        raise Invalid(f"Unknown parameter in input: {unknown[0]!r}")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise Invalid(
            "A conversation must start with a user message. "
            "Try again with a conversation that starts with a user message."
        )
    previous: str | None = None
    open_uses: set[str] = set()
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant"):
            raise Invalid(f"messages.{i}.role must be user or assistant")
        role = m["role"]
        if i == 0 and role != "user":
            raise Invalid(
                "A conversation must start with a user message. "
                "Try again with a conversation that starts with a user message."
            )
        if role == previous:
            raise Invalid(
                "A conversation must alternate between user and assistant roles. "
                "Make sure the conversation alternates between user and assistant roles and try again."
            )
        previous = role
        blocks = _check_blocks(m.get("content"), f"messages.{i}.content", CONTENT_MEMBERS)
        answered = {b["toolResult"]["toolUseId"] for b in blocks if "toolResult" in b}
        if answered - open_uses:
            raise Invalid(
                f"messages.{i}: toolResult toolUseId {sorted(answered - open_uses)[0]!r} "
                "does not match a toolUse of the previous turn"
            )
        open_uses = {b["toolUse"]["toolUseId"] for b in blocks if "toolUse" in b}
    if "system" in body:
        _check_blocks(body["system"], "system", SYSTEM_MEMBERS)
    inference = body.get("inferenceConfig")
    if inference is not None:
        if not isinstance(inference, dict) or set(inference) - INFERENCE_FIELDS:
            raise Invalid("inferenceConfig takes maxTokens, temperature, topP and stopSequences only")
        max_tokens = inference.get("maxTokens")
        if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
            raise Invalid("inferenceConfig.maxTokens must be an integer of at least 1")
        temperature = inference.get("temperature")
        if temperature is not None and (
            not isinstance(temperature, (int, float)) or not 0 <= temperature <= 1
        ):
            raise Invalid("inferenceConfig.temperature must be between 0 and 1")
    tool_config = body.get("toolConfig")
    if tool_config is not None:
        tools = tool_config.get("tools") if isinstance(tool_config, dict) else None
        if not isinstance(tools, list) or not tools:
            raise Invalid("toolConfig.tools must list at least one tool")
        for j, tool in enumerate(tools):
            if (
                not isinstance(tool, dict)
                or len(tool) != 1
                or next(iter(tool)) not in ("toolSpec", "cachePoint")
            ):
                raise Invalid(f"toolConfig.tools.{j} must set toolSpec or cachePoint")
            spec = tool.get("toolSpec")
            if spec is not None and (
                not spec.get("name") or not isinstance((spec.get("inputSchema") or {}).get("json"), dict)
            ):
                raise Invalid(f"toolConfig.tools.{j}.toolSpec needs name and inputSchema.json")
        choice = tool_config.get("toolChoice")
        if choice is not None and (
            not isinstance(choice, dict)
            or len(choice) != 1
            or next(iter(choice)) not in ("auto", "any", "tool")
        ):
            raise Invalid("toolConfig.toolChoice must set auto, any or tool")


# --------------------------------------------------------------------------- answers


def _last_user_text(body: dict[str, Any]) -> str:
    for m in reversed(body["messages"]):
        if m["role"] == "user":
            return " ".join(b["text"] for b in m["content"] if "text" in b)
    return ""


def _tool_results(body: dict[str, Any]) -> list[str]:
    last = body["messages"][-1]
    out: list[str] = []
    for block in last["content"]:
        if "toolResult" in block:
            out.extend(
                json.dumps(c.get("json", c.get("text"))) for c in block["toolResult"].get("content", [])
            )
    return out


def _plan(body: dict[str, Any], script: Script) -> Script:
    tool_config = body.get("toolConfig") or {}
    tools = [
        (t["toolSpec"]["name"], t["toolSpec"]["inputSchema"]["json"])
        for t in tool_config.get("tools", ())
        if "toolSpec" in t
    ]
    choice = tool_config.get("toolChoice") or {}
    forced = (choice.get("tool") or {}).get("name")
    schema = None
    text_format = (body.get("outputConfig") or {}).get("textFormat") or {}
    if text_format.get("type") == "json_schema":
        schema = json.loads(text_format["structure"]["jsonSchema"]["schema"])
    results = _tool_results(body)
    if results and script.text is None and script.tool_calls is None:
        script.text = "Thanks, the tool answered: " + " ".join(results)[:200]
    fields = body.get("additionalModelRequestFields") or {}
    thinking = fields.get("thinking") if isinstance(fields, dict) else None
    if isinstance(thinking, dict) and thinking.get("type") == "enabled" and script.reasoning is None:
        script.reasoning = "Let me think about that step by step."
    return default_answer(_last_user_text(body), tools, forced, schema, script)


def _reasoning_signature(text: str) -> str:
    return f"EmuSig{zlib.crc32(text.encode()):08x}"


def _tool_use_id(i: int, call: ScriptedCall) -> str:
    return call.id or f"tooluse_emu{i:04d}"


def _stop_reason(script: Script) -> str:
    if script.finish_reason:
        return STOP_REASONS.get(script.finish_reason, script.finish_reason)
    return "tool_use" if script.tool_calls else "end_turn"


def _usage(body: dict[str, Any], script: Script) -> dict[str, Any]:
    inputs = script.input_tokens
    if inputs is None:
        inputs = count_tokens(json.dumps(body["messages"]) + json.dumps(body.get("system", [])))
    outputs = script.output_tokens
    if outputs is None:
        outputs = count_tokens((script.text or "") + (script.reasoning or "")) + sum(
            count_tokens(call_arguments(c)) for c in script.tool_calls or ()
        )
    usage: dict[str, Any] = {"inputTokens": inputs, "outputTokens": outputs, "totalTokens": inputs + outputs}
    if script.cached_tokens:
        usage["cacheReadInputTokens"] = script.cached_tokens
        usage["cacheWriteInputTokens"] = 0
    return usage


def _converse(body: dict[str, Any], script: Script, model_id: str) -> Reply:
    content: list[dict[str, Any]] = []
    if script.reasoning:
        reasoning = {"text": script.reasoning, "signature": _reasoning_signature(script.reasoning)}
        content.append({"reasoningContent": {"reasoningText": reasoning}})
    if script.text:
        content.append({"text": script.text})
    for i, call in enumerate(script.tool_calls or ()):
        arguments = (
            json.loads(call_arguments(call)) if not isinstance(call.arguments, str) else call.arguments
        )
        content.append(
            {"toolUse": {"toolUseId": _tool_use_id(i, call), "name": call.name, "input": arguments}}
        )
    answer = {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": _stop_reason(script),
        "usage": _usage(body, script),
        "metrics": {"latencyMs": 42},
    }
    headers = {"content-type": "application/json", "x-amzn-RequestId": request_id()}
    return Reply(200, headers, json.dumps(answer).encode(), delay=script.delay)


def _padding(n: int) -> str:
    # The service pads event payloads with a "p" member of varying length.
    return _PADDING[: 1 + n % len(_PADDING)]


def _event(kind: str, payload: dict[str, Any], n: int) -> bytes:
    return encode_event(kind, json.dumps({**payload, "p": _padding(n)}).encode())


def _stream_events(body: dict[str, Any], script: Script) -> Iterator[tuple[str, dict[str, Any]]]:
    yield "messageStart", {"role": "assistant"}
    index = 0
    if script.reasoning:
        for piece in split_text(script.reasoning):
            yield (
                "contentBlockDelta",
                {"contentBlockIndex": index, "delta": {"reasoningContent": {"text": piece}}},
            )
        signature = _reasoning_signature(script.reasoning)
        yield (
            "contentBlockDelta",
            {"contentBlockIndex": index, "delta": {"reasoningContent": {"signature": signature}}},
        )
        yield "contentBlockStop", {"contentBlockIndex": index}
        index += 1
    if script.text:
        for piece in split_text(script.text, script.chunk_chars, script.n_chunks):
            yield "contentBlockDelta", {"contentBlockIndex": index, "delta": {"text": piece}}
        yield "contentBlockStop", {"contentBlockIndex": index}
        index += 1
    for i, call in enumerate(script.tool_calls or ()):
        start = {"toolUse": {"toolUseId": _tool_use_id(i, call), "name": call.name}}
        yield "contentBlockStart", {"contentBlockIndex": index, "start": start}
        for piece in split_args(call_arguments(call)):
            yield "contentBlockDelta", {"contentBlockIndex": index, "delta": {"toolUse": {"input": piece}}}
        yield "contentBlockStop", {"contentBlockIndex": index}
        index += 1
    yield "messageStop", {"stopReason": _stop_reason(script)}
    yield "metadata", {"usage": _usage(body, script), "metrics": {"latencyMs": 42}}


def corrupt(frame: bytes) -> bytes:
    """The frame with one payload byte flipped: its message CRC no longer matches."""
    (total,) = struct.unpack_from(">I", frame)
    at = total - 5
    return frame[:at] + bytes((frame[at] ^ 0x55,)) + frame[at + 1 :]


def stream_exception(err: ScriptedError | None) -> bytes:
    err = err or ScriptedError(
        500, "The system encountered an unexpected error during processing. Try your request again."
    )
    kind = STREAM_EXCEPTIONS.get((err.type or "").lower())
    if kind is None:
        kind = {
            400: "validationException",
            429: "throttlingException",
            503: "serviceUnavailableException",
        }.get(err.status, "modelStreamErrorException" if err.status == 424 else "internalServerException")
    payload: dict[str, Any] = {"message": err.message}
    if kind == "modelStreamErrorException":
        payload["originalStatusCode"] = int(err.code or 500)
        payload["originalMessage"] = err.message
    return encode_exception(kind, json.dumps(payload).encode())


def _converse_stream(body: dict[str, Any], script: Script) -> Reply:
    def frames() -> Iterator[bytes]:
        for n, (kind, payload) in enumerate(_stream_events(body, script)):
            if script.fault in ("no_terminator", "malformed", "stream_error") and n == script.after:
                if script.fault == "malformed":
                    yield corrupt(_event(kind, payload, n))
                elif script.fault == "stream_error":
                    yield stream_exception(script.error)
                return
            yield _event(kind, payload, n)

    headers = {"content-type": CONTENT_TYPE, "x-amzn-RequestId": request_id()}
    return Reply(
        200,
        headers,
        chunks=frames(),
        delay=script.delay,
        chunk_delay=script.chunk_delay,
        cut_after=script.after if script.fault == "cut" else None,
    )


# --------------------------------------------------------------------------- InvokeModel embeddings

TITAN_V2_FIELDS = frozenset({"inputText", "dimensions", "normalize", "embeddingTypes"})
TITAN_V1_FIELDS = frozenset({"inputText"})
COHERE_FIELDS = frozenset(
    {"texts", "images", "input_type", "truncate", "embedding_types", "output_dimension", "max_tokens"}
)
COHERE_INPUT_TYPES = frozenset({"search_document", "search_query", "classification", "clustering", "image"})


def _vector(text: str, dims: int, normalize: bool) -> list[float]:
    seed = sum(map(ord, text)) or 1
    vec = [((seed * (j + 7)) % 101) / 101.0 - 0.5 for j in range(dims)]
    if normalize:
        norm = math.sqrt(sum(x * x for x in vec)) or 1.0
        vec = [x / norm for x in vec]
    return [round(x, 6) for x in vec]


def _invoke(req: EmuRequest, emu: Emulator, model_id: str, body: dict[str, Any]) -> Reply:
    if not req.headers.get("content-type", "").startswith("application/json"):
        return _error(400, "The provided Content-Type is not supported for this model.")
    script = emu.take_script(req.path)
    if script is not None and script.error is not None:
        return scripted_error(script.error)
    name = model_id.rsplit("/", 1)[-1]
    try:
        if name.startswith("amazon.titan-embed-text-v2"):
            answer, tokens = _titan(body, TITAN_V2_FIELDS, 1024)
        elif name.startswith("amazon.titan-embed"):
            answer, tokens = _titan(body, TITAN_V1_FIELDS, 1536)
        elif name.startswith("cohere.embed"):
            answer, tokens = _cohere(body, name)
        else:
            return _error(400, "The emulator's InvokeModel serves only Titan and Cohere embedding models.")
    except Invalid as exc:
        return _error(400, f"Malformed input request: {exc}, please reformat your input and try again.")
    headers = {
        "content-type": "application/json",
        "x-amzn-RequestId": request_id(),
        "X-Amzn-Bedrock-Input-Token-Count": str(tokens),
        "X-Amzn-Bedrock-Invocation-Latency": "17",
    }
    return Reply(200, headers, json.dumps(answer).encode())


def _titan(body: dict[str, Any], fields: frozenset[str], default_dims: int) -> tuple[dict[str, Any], int]:
    unknown = sorted(set(body) - fields)
    if unknown:
        raise Invalid(f"extraneous key [{unknown[0]}] is not permitted")
    text = body.get("inputText")
    if not isinstance(text, str) or not text:
        raise Invalid("#: required key [inputText] not found")
    dims = body.get("dimensions", default_dims)
    if dims not in (256, 512, 1024, default_dims):
        raise Invalid(f"#/dimensions: {dims} is not a valid enum value")
    normalize = body.get("normalize", True)
    if not isinstance(normalize, bool):
        raise Invalid("#/normalize: expected type: Boolean")
    vector = _vector(text, dims, normalize)
    tokens = count_tokens(text)
    answer: dict[str, Any] = {"embedding": vector, "inputTextTokenCount": tokens}
    if default_dims == 1024:
        # V2 always answers embeddingsByType too ("float" even when embeddingTypes is not given).
        types = body.get("embeddingTypes") or ["float"]
        by_type: dict[str, Any] = {}
        if "float" in types:
            by_type["float"] = vector
        if "binary" in types:
            by_type["binary"] = [1 if x > 0 else 0 for x in vector]
        answer["embeddingsByType"] = by_type
    return answer, tokens


def _cohere(body: dict[str, Any], name: str) -> tuple[dict[str, Any], int]:
    unknown = sorted(set(body) - COHERE_FIELDS)
    if unknown:
        raise Invalid(f"extraneous key [{unknown[0]}] is not permitted")
    texts = body.get("texts")
    if (
        not isinstance(texts, list)
        or not texts
        or len(texts) > 96
        or not all(isinstance(t, str) for t in texts)
    ):
        raise Invalid("#/texts: expected a list of 1 to 96 strings")
    if body.get("input_type") not in COHERE_INPUT_TYPES:
        raise Invalid("#: required key [input_type] not found or not a valid enum value")
    v4 = "embed-v4" in name
    dims = body.get("output_dimension", 1536 if v4 else 1024)
    if "output_dimension" in body and (not v4 or dims not in (256, 512, 1024, 1536)):
        raise Invalid("#/output_dimension: not a valid value for this model")
    vectors = [_vector(t, dims, True) for t in texts]
    answer: dict[str, Any] = {"id": request_id(), "texts": texts}
    types = body.get("embedding_types")
    if types:
        answer["embeddings"] = {
            t: vectors if t == "float" else [[round(x * 127) for x in v] for v in vectors] for t in types
        }
        answer["response_type"] = "embeddings_by_type"
    else:
        answer["embeddings"] = vectors
        answer["response_type"] = "embeddings_floats"
    return answer, sum(count_tokens(t) for t in texts)
